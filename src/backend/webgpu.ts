/**
 * The 'webgpu' tfjs backend in Node: Dawn (npm `webgpu`, ESM-only, loaded with a real dynamic import) plus
 * `@tensorflow/tfjs-backend-webgpu` registered with a device we create ourselves (src/backend/README.md). Both packages are
 * optionalDependencies: when either is missing, the loader returns false with a reason (`webgpuStatus()`).
 *
 * Adapter choice:
 * - hardware first: Dawn's default backend (Vulkan on Linux, Metal on macOS, D3D12 on Windows), high-performance;
 *   on Linux a hardware OpenGL/EGL adapter is tried next (e.g. NVIDIA EGL when the Vulkan ICD is missing);
 * - software: Mesa llvmpipe through Dawn's OpenGL backend (`backend=opengl`, featureLevel 'compatibility',
 *   EGL_PLATFORM=surfaceless; Debian libegl1 libgles2 libgl1-mesa-dri). Used when BEACONS_WEBGPU_SOFTWARE=1 or
 *   when no hardware adapter exists AND webgpu was asked for explicitly — `auto` never gets software WebGPU
 *   (a llvmpipe LoRA step is ≈ 3.5× slower than wasm): it is for parity tests, not speed.
 *
 * index.ts imports this module when the webgpu backend is asked for (or tried by 'auto'): nothing heavy loads before.
 * Read results only with async `data()`/`array()`: `dataSync()` needs OffscreenCanvas on this backend and throws.
 *
 * Env: BEACONS_WEBGPU_SOFTWARE=1 force llvmpipe; BEACONS_WEBGPU_SOFTWARE=0 never software;
 *      BEACONS_WEBGPU_DAWN="k=v,…" extra Dawn toggles for create() (e.g. "backend=vulkan");
 *      BEACONS_DEBUG=1 print adapter details.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';

/** The parts of the WebGPU API we touch (no DOM types in this project; the packages are optional). */
interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuDevice {
  lost?: Promise<{ reason?: string; message?: string }>;
  destroy?(): void;
  features: { has(f: string): boolean };
}
interface GpuAdapter {
  info?: GpuAdapterInfo;
  features: { has(f: string): boolean };
  limits: Record<string, unknown>;
  requestDevice(desc?: {
    requiredLimits?: Record<string, number>;
    requiredFeatures?: string[];
  }): Promise<GpuDevice>;
}
interface Gpu {
  requestAdapter(opts?: { powerPreference?: string; featureLevel?: string }): Promise<GpuAdapter | null>;
}
interface DawnModule {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}

export interface AdapterSummary {
  /** 'default' (Vulkan/Metal/D3D12) or 'opengl' */
  dawnBackend: 'default' | 'opengl';
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  software: boolean;
}

export interface WebGPUStatus {
  ok: boolean;
  /** why not (when !ok), or notes on what was skipped */
  reason?: string;
  adapter?: AdapterSummary;
}

export interface WebGPUOptions {
  /** 'prefer': llvmpipe only (BEACONS_WEBGPU_SOFTWARE=1); 'fallback': hardware, else llvmpipe; 'never' */
  software?: 'prefer' | 'fallback' | 'never';
  /** print the adapter chosen (default: only with BEACONS_DEBUG) */
  verbose?: boolean;
}

let state: { status: WebGPUStatus; device?: GpuDevice } | undefined;

/** What the last attempt found (undefined before the first). */
export function webgpuStatus(): WebGPUStatus | undefined {
  return state?.status;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|software|microsoft basic render/i;

function summarise(adapter: GpuAdapter, dawnBackend: AdapterSummary['dawnBackend']): AdapterSummary {
  const i = adapter.info ?? {};
  const s = {
    dawnBackend,
    vendor: i.vendor ?? '',
    architecture: i.architecture ?? '',
    device: i.device ?? '',
    description: i.description ?? '',
  };
  const text = `${s.vendor} ${s.architecture} ${s.device} ${s.description}`;
  return { ...s, software: i.isFallbackAdapter === true || SOFTWARE_NAMES.test(text) };
}

/** Loads the `webgpu` package: a real dynamic import (it is ESM-only), falling back to require(esm) (Node ≥ 20.19). */
async function loadDawn(): Promise<DawnModule> {
  let first: unknown;
  try {
    // a Function keeps the import() from being rewritten to require() by the CommonJS transpile
    const dynamicImport = new Function('s', 'return import(s)') as (s: string) => Promise<DawnModule>;
    const m = await dynamicImport('webgpu');
    if (typeof m.create === 'function') return m;
  } catch (e) {
    first = e;
  }
  try {
    return require('webgpu') as DawnModule;
  } catch (e) {
    const code = (e as { code?: string }).code ?? (first as { code?: string } | undefined)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error("package 'webgpu' is not installed (npm install --include=optional)");
    }
    throw new Error(`package 'webgpu' failed to load: ${((first ?? e) as Error).message}`);
  }
}

function dawnFlags(extra: string[]): string[] {
  const user = (process.env.BEACONS_WEBGPU_DAWN ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...extra, ...user];
}

/** Number of GPU device nodes on Linux (render nodes, NVIDIA); -1 = cannot tell (other OS). */
function gpuDeviceNodes(): number {
  if (process.platform !== 'linux') return -1;
  const count = (dir: string, re: RegExp): number => {
    try {
      return fs.readdirSync(dir).filter((f) => re.test(f)).length;
    } catch {
      return 0;
    }
  };
  return count('/dev/dri', /^renderD\d+$/) + count('/dev', /^nvidia\d+$/);
}

/** Finds an adapter: hardware candidates first unless software is preferred. */
async function pickAdapter(
  dawn: DawnModule,
  software: NonNullable<WebGPUOptions['software']>,
): Promise<{ gpu: Gpu; adapter: GpuAdapter; summary: AdapterSummary } | { reason: string }> {
  const notes: string[] = [];
  const hardware: { flags: string[]; backend: AdapterSummary['dawnBackend']; level?: string }[] = [
    { flags: [], backend: 'default' },
  ];
  if (process.platform === 'linux')
    hardware.push({ flags: ['backend=opengl'], backend: 'opengl', level: 'compatibility' });
  let softwareFound: { gpu: Gpu; adapter: GpuAdapter; summary: AdapterSummary } | undefined;
  const nodes = gpuDeviceNodes();
  if (software === 'never' && nodes === 0) {
    return { reason: 'no hardware WebGPU adapter (no /dev/dri/renderD* or /dev/nvidia* device)' };
  }
  if (software === 'fallback' && nodes === 0) notes.push('no GPU device node');
  if (software !== 'prefer' && nodes !== 0) {
    for (const c of hardware) {
      if (c.backend === 'opengl') process.env.EGL_PLATFORM ??= 'surfaceless';
      const gpu = dawn.create(dawnFlags(c.flags));
      const adapter = await gpu.requestAdapter({
        powerPreference: 'high-performance',
        featureLevel: c.level,
      });
      if (adapter === null) {
        notes.push(`no ${c.backend === 'default' ? 'Vulkan/Metal/D3D12' : 'OpenGL'} adapter`);
        continue;
      }
      const summary = summarise(adapter, c.backend);
      if (!summary.software) return { gpu, adapter, summary };
      notes.push(`${c.backend} adapter '${summary.device || summary.description}' is software`);
      softwareFound ??= { gpu, adapter, summary };
    }
    if (software === 'never') {
      return { reason: `no hardware WebGPU adapter (${notes.join('; ')}); software WebGPU not allowed here` };
    }
  }
  if (softwareFound !== undefined && softwareFound.summary.dawnBackend === 'opengl') return softwareFound;
  // llvmpipe through Dawn's OpenGL backend (lavapipe Vulkan in Debian 12 lacks features Dawn needs)
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const gpu = dawn.create(dawnFlags(['backend=opengl']));
  const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
  if (adapter === null) {
    notes.push(
      'no OpenGL adapter for llvmpipe (install libegl1 libgles2 libgl1-mesa-dri: environment/install-gpu-deps.sh)',
    );
    if (softwareFound !== undefined) return softwareFound;
    return { reason: `no WebGPU adapter: ${notes.join('; ')}` };
  }
  return { gpu, adapter, summary: summarise(adapter, 'opengl') };
}

/** Every numeric limit of the adapter, as requiredLimits (tfjs silently computes wrong results with defaults). */
function adapterLimits(adapter: GpuAdapter): Record<string, number> {
  const out: Record<string, number> = {};
  const names = new Set<string>();
  for (const k in adapter.limits) names.add(k);
  const proto = Object.getPrototypeOf(adapter.limits) as object | null;
  if (proto !== null) for (const k of Object.getOwnPropertyNames(proto)) names.add(k);
  for (const k of names) {
    const v = (adapter.limits as Record<string, unknown>)[k];
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

/** Makes Dawn's GPU visible as `navigator.gpu` (tfjs checks it) and its GPU* constants global. */
function installGlobals(dawn: DawnModule, gpu: Gpu): void {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(dawn.globals)) if (g[k] === undefined) g[k] = v;
  const nav = g.navigator as Record<string, unknown> | undefined;
  if (nav === undefined) {
    g.navigator = { gpu };
  } else {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}

/**
 * Creates the device and registers tfjs's 'webgpu' backend with it (replacing the stock registration). Does not
 * call tf.setBackend. Idempotent: a second call returns the first result.
 */
export async function setupWebGPU(opts: WebGPUOptions = {}): Promise<WebGPUStatus> {
  if (state?.status.ok) return state.status;
  const env = process.env.BEACONS_WEBGPU_SOFTWARE;
  const software =
    opts.software === 'never' || env === '0'
      ? 'never'
      : env === '1'
        ? 'prefer'
        : (opts.software ?? 'fallback');
  const fail = (reason: string): WebGPUStatus => {
    state = { status: { ok: false, reason } };
    return state.status;
  };
  let dawn: DawnModule;
  try {
    dawn = await loadDawn();
  } catch (e) {
    return fail((e as Error).message);
  }
  let backendModule: { WebGPUBackend: new (device: unknown, info?: unknown) => tf.KernelBackend };
  try {
    backendModule = require('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    const missing = (e as { code?: string }).code === 'MODULE_NOT_FOUND';
    return fail(
      missing
        ? "package '@tensorflow/tfjs-backend-webgpu' is not installed (npm install --include=optional)"
        : `@tensorflow/tfjs-backend-webgpu failed to load: ${(e as Error).message}`,
    );
  }
  const picked = await pickAdapter(dawn, software).catch((e: Error) => ({ reason: `Dawn: ${e.message}` }));
  if ('reason' in picked) return fail(picked.reason);
  const { gpu, adapter, summary } = picked;
  const requiredLimits = adapterLimits(adapter);
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  let device: GpuDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  } catch (e) {
    return fail(
      `requestDevice on '${summary.device || summary.description}' failed: ${(e as Error).message}`,
    );
  }
  void device.lost?.then((info) => {
    if (info?.reason !== 'destroyed')
      console.error(`[beacons] WebGPU device lost: ${info?.message ?? info?.reason}`);
  });
  installGlobals(dawn, gpu);
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  const info = adapter.info;
  tf.registerBackend('webgpu', () => new backendModule.WebGPUBackend(device, info), 1);
  state = { status: { ok: true, adapter: summary }, device };
  if (opts.verbose || process.env.BEACONS_DEBUG) {
    console.error(`[beacons] WebGPU adapter: ${describeAdapter(summary)}`);
  }
  return state.status;
}

/** One line naming the adapter, e.g. "NVIDIA H200 (vulkan, hardware)". */
export function describeAdapter(a: AdapterSummary): string {
  const name = a.device || a.description || a.vendor || 'unknown adapter';
  const api = a.dawnBackend === 'opengl' ? 'opengl' : process.platform === 'linux' ? 'vulkan' : 'native';
  return `${name} (${api}, ${a.software ? 'software' : 'hardware'})`;
}

/**
 * The loader index.ts calls with what was asked for: 'webgpu' by name, or 'auto' probing. Under auto only a
 * hardware adapter counts; named, llvmpipe is the fallback.
 */
export async function webgpuLoader(requested: string): Promise<boolean> {
  const explicit = requested === 'webgpu';
  if (!explicit && state?.status.ok && state.status.adapter?.software) {
    throw new Error('only a software (llvmpipe) adapter is set up; auto does not use it (slower than wasm)');
  }
  const status = await setupWebGPU({ software: explicit ? 'fallback' : 'never' });
  if (!status.ok) throw new Error(status.reason ?? 'unavailable');
  return true;
}
