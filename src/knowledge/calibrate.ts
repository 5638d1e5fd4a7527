/**
 * Step-budget calibration: the paper's effects can only show where learning is not saturated (docs/design.md), so the
 * scale presets use, per method, the learning rate whose single-fact accuracy (at the preset's step budget) is
 * closest to 50 % (found by bisection in log space), and for the multi-fact experiments the LoRA learning rate whose
 * set accuracy is closest to 50 %.
 * Calibration uses facts from the END of the pool; the experiments use facts from its start, so they are disjoint
 * whenever the pool holds more facts than both need. `beacons calibrate` prints the grid and writes
 * results/calibration.json; the chosen values are copied into scales.ts by hand (with the date).
 */
import { learnFactSets, learnSingleFacts } from './learn';
import { METHODS, ratesFor, type Scale } from './scales';
import type { Session } from './session';

export interface CalibrationRow {
  method: string;
  setting: 'single' | 'sets';
  lr: number;
  accuracy: number;
  n: number;
}

/** Log-bisection between these learning rates, `ITERATIONS` evaluations per method. */
export const LR_RANGE: [number, number] = [1e-6, 1e-1];
export const ITERATIONS = 7;
/** How many facts calibration holds out: the pool's last ones (the single-fact experiments never use them). */
export const CALIBRATION_FACTS = 64;

/** How the search runs: the full LR_RANGE by default, or a bracket of ×/÷ `around` the scale's current rate. */
export interface SearchOptions {
  iterations?: number;
  /** search [rate / around, rate · around] around the scale's rate for the method (a faster search for a new model
   * of the same family: the first probe is the current rate) */
  around?: number;
}

/**
 * Finds, per method, the learning rate whose accuracy is closest to 50 % by bisection in log space (accuracy rises
 * with the learning rate over this range), then the same for LoRA on fact sets.
 */
export async function calibrate(
  s: Session,
  scale: Scale,
  methods: string[],
  facts = CALIBRATION_FACTS,
  log: (m: string) => void = () => {},
  opts: SearchOptions = {},
): Promise<CalibrationRow[]> {
  const iterations = opts.iterations ?? ITERATIONS;
  const bracket = (rate: number | undefined): [number, number] =>
    opts.around !== undefined && rate !== undefined ? [rate / opts.around, rate * opts.around] : LR_RANGE;
  const held = s.pool.slice(Math.max(0, s.pool.length - facts));
  const rows: CalibrationRow[] = [];
  const search = async (
    method: string,
    setting: 'single' | 'sets',
    accuracyAt: (lr: number) => Promise<[number, number]>,
  ) => {
    const rates = ratesFor(scale, s.loaded.dir);
    let [lo, hi] = bracket(setting === 'sets' ? rates.sets : rates.single[method]);
    for (let i = 0; i < iterations; i++) {
      const lr = Number(Math.sqrt(lo * hi).toPrecision(2));
      const [acc, n] = await accuracyAt(lr);
      rows.push({ method, setting, lr, accuracy: acc, n });
      log(`${setting} ${method} lr ${lr}: ${(100 * acc).toFixed(1)} % of ${n}`);
      if (acc < 0.5) lo = lr;
      else hi = lr;
    }
  };
  for (const method of methods) {
    const few = method === 'full' ? held.slice(0, Math.min(16, held.length)) : held;
    await search(method, 'single', async (lr) => {
      const r = await learnSingleFacts(
        s,
        few,
        METHODS[method],
        { steps: scale.singleSteps, lr },
        1234,
        scale.stack,
      );
      return [r.filter((x) => x.learned).length / r.length, r.length];
    });
  }
  const per = Math.floor(held.length / scale.setSize);
  const sets = Array.from({ length: Math.max(1, Math.min(4, per)) }, (_, i) =>
    held.slice(i * scale.setSize, (i + 1) * scale.setSize),
  );
  await search('lora', 'sets', async (lr) => {
    const r = await learnFactSets(
      s,
      sets,
      METHODS.lora,
      { epochs: scale.epochs, batchSize: scale.batchSize, lr },
      1234,
    );
    const flags = r.flatMap((x) => x.learned);
    return [flags.filter(Boolean).length / flags.length, flags.length];
  });
  return rows;
}

/** The evaluated learning rate whose accuracy is closest to 50 % for each (setting, method). */
export function pickRates(rows: CalibrationRow[]): Record<string, number> {
  const best = new Map<string, CalibrationRow>();
  for (const r of rows) {
    const key = `${r.setting}:${r.method}`;
    const cur = best.get(key);
    if (cur === undefined || Math.abs(r.accuracy - 0.5) < Math.abs(cur.accuracy - 0.5)) best.set(key, r);
  }
  return Object.fromEntries([...best].map(([k, r]) => [k, r.lr]));
}
