/**
 * Step-budget calibration: the paper's effects can only show where learning is not saturated (DESIGN §8), so the
 * scale presets use, per method, the learning rate whose single-fact accuracy (at the preset's step budget) is
 * closest to 50 %, and for the multi-fact experiments the LoRA learning rate whose set accuracy is closest to 50 %.
 * Calibration uses facts from the END of the pool; the experiments use facts from its start, so they are disjoint
 * whenever the pool holds more facts than both need. `beacons calibrate` prints the grid and writes
 * results/calibration.json; the chosen values are copied into scales.ts by hand (with the date).
 */
import { learnFactSets, learnSingleFacts } from './learn';
import { METHODS, type Scale } from './scales';
import type { Session } from './session';

export interface CalibrationRow {
  method: string;
  setting: 'single' | 'sets';
  lr: number;
  accuracy: number;
  n: number;
}

export const LR_GRID = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2];

export async function calibrate(
  s: Session,
  scale: Scale,
  methods: string[],
  facts = 64,
  log: (m: string) => void = () => {},
): Promise<CalibrationRow[]> {
  const held = s.pool.slice(Math.max(0, s.pool.length - facts));
  const rows: CalibrationRow[] = [];
  for (const method of methods) {
    const few = method === 'full' ? held.slice(0, Math.min(8, held.length)) : held;
    for (const lr of LR_GRID) {
      const r = await learnSingleFacts(
        s,
        few,
        METHODS[method],
        { steps: scale.singleSteps, lr },
        1234,
        scale.stack,
      );
      const acc = r.filter((x) => x.learned).length / r.length;
      rows.push({ method, setting: 'single', lr, accuracy: acc, n: r.length });
      log(`single ${method} lr ${lr}: ${(100 * acc).toFixed(1)} % of ${r.length}`);
    }
  }
  const per = Math.floor(held.length / scale.setSize);
  const sets = Array.from({ length: Math.max(1, Math.min(4, per)) }, (_, i) =>
    held.slice(i * scale.setSize, (i + 1) * scale.setSize),
  );
  for (const lr of LR_GRID) {
    const r = await learnFactSets(
      s,
      sets,
      METHODS.lora,
      { epochs: scale.epochs, batchSize: scale.batchSize, lr },
      1234,
    );
    const flags = r.flatMap((x) => x.learned);
    const acc = flags.filter(Boolean).length / flags.length;
    rows.push({ method: 'lora', setting: 'sets', lr, accuracy: acc, n: flags.length });
    log(`sets lora lr ${lr}: ${(100 * acc).toFixed(1)} % of ${flags.length}`);
  }
  return rows;
}

/** The grid value whose accuracy is closest to 50 % for each (method, setting). */
export function pickRates(rows: CalibrationRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) {
    const key = `${r.setting}:${r.method}`;
    const cur = rows.find((x) => `${x.setting}:${x.method}` === key && x.lr === out[key]);
    if (cur === undefined || Math.abs(r.accuracy - 0.5) < Math.abs(cur.accuracy - 0.5)) out[key] = r.lr;
  }
  return out;
}
