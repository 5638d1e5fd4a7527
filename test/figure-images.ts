// Browser tests' shared pieces: launching Debian's Chromium, a page with the network blocked, and page-side checks: every PNG figure image in a page (an <img> whose src is a
// data:image/png URL), its displayed size, and whether it has ink: drawn on a canvas, the share of pixels that
// differ from the most common (background) colour. A blank or broken image has none.
import * as path from 'node:path';
import { chromiumArgs, chromiumPath } from '../src/viz/display';

export interface FigureImage {
  width: number;
  height: number;
  naturalWidth: number;
  /** fraction of pixels not of the background colour */
  ink: number;
  /** display: none / visibility: hidden / zero-size */
  hidden: boolean;
}

/** A page expression (string: no bundler helpers leak into the page) resolving to FigureImage[]. */
export function figureImagesScript(selector = 'img[src^="data:image/png"]'): string {
  return `Promise.all([...document.querySelectorAll(${JSON.stringify(selector)})].map(async (img) => {
    if (!img.complete) await new Promise((r) => { img.onload = r; img.onerror = r; });
    const box = img.getBoundingClientRect();
    const style = getComputedStyle(img);
    const hidden = box.width === 0 || box.height === 0 || style.visibility === 'hidden' || img.offsetParent === null;
    let ink = 0;
    if (img.naturalWidth > 0) {
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      const counts = new Map();
      for (let i = 0; i < d.length; i += 4) {
        const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
        counts.set(k, (counts.get(k) || 0) + 1);
      }
      const background = Math.max(...counts.values());
      ink = 1 - background / (d.length / 4);
    }
    return { width: box.width, height: box.height, naturalWidth: img.naturalWidth, ink, hidden };
  }))`;
}

/**
 * A page that may load only file:// and data: URLs (every other request is aborted and recorded in `network`),
 * with its uncaught page errors in `errors`: the report tests open pages from disk with the network blocked.
 */
export async function offlinePage(
  browser: import('puppeteer-core').Browser,
): Promise<{ page: import('puppeteer-core').Page; network: string[]; errors: string[] }> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 900 });
  const network: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (req.url().startsWith('file://') || req.url().startsWith('data:')) void req.continue();
    else {
      network.push(req.url());
      void req.abort();
    }
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, network, errors };
}

/** Headless Chromium (Debian's, via puppeteer-core) with its profile in `<dir>/profile`. */
export function launchChromium(dir: string): Promise<import('puppeteer-core').Browser> {
  const puppeteer = require('puppeteer-core') as typeof import('puppeteer-core');
  return puppeteer.launch({
    executablePath: chromiumPath()!,
    headless: true,
    pipe: true,
    handleSIGINT: false,
    args: chromiumArgs(path.join(dir, 'profile')),
  });
}
