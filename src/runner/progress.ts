/**
 * Progress reporting for experiment runs. The runner only sees a `ProgressReporter`:
 *   start(total, label) → update(done, info)* → stop()
 * where `done` counts cases finished so far INCLUDING those found in the cache.
 * Implementations:
 * - `BarProgressGroup` (cli-progress multi-bar: one "overall" bar plus one bar per experiment) on a TTY;
 * - `LineProgress`: one plain line every ~10 % or 30 s (CI logs, redirected output);
 * - `SilentProgress`; `CallbackProgress` (notebooks: a function receiving `ProgressEvent`s).
 * `createProgressGroup()` picks bars or lines from the stream; call `.reporter()` once per experiment.
 */
import * as cliProgress from 'cli-progress';

export interface ProgressInfo {
  /** Cases computed in this invocation (as opposed to found in the cache). */
  ran?: number;
  /** Id of the last finished case. */
  lastId?: string;
  /** Free text shown next to the bar. */
  message?: string;
}

export interface ProgressReporter {
  start(total: number, label: string): void;
  update(done: number, info?: ProgressInfo): void;
  stop(): void;
}

export interface ProgressEvent {
  phase: 'start' | 'update' | 'stop';
  label: string;
  done: number;
  total: number;
  info: ProgressInfo;
  /** Seconds since start(). */
  elapsedSeconds: number;
  /** Estimated seconds left, from the rate since the first update (undefined until there is a rate). */
  etaSeconds?: number;
}

/** Shared bookkeeping: label, totals, elapsed time and an ETA from cases done since the first update. */
abstract class TrackingReporter implements ProgressReporter {
  protected label = '';
  protected total = 0;
  protected done = 0;
  protected info: ProgressInfo = {};
  private t0 = 0;
  private rateBase?: { t: number; done: number };
  constructor(protected readonly now: () => number = Date.now) {}

  start(total: number, label: string): void {
    this.label = label;
    this.total = total;
    this.done = 0;
    this.info = {};
    this.t0 = this.now();
    this.rateBase = undefined;
    this.emit('start');
  }
  update(done: number, info: ProgressInfo = {}): void {
    this.done = done;
    this.info = info;
    if (this.rateBase === undefined) this.rateBase = { t: this.now(), done };
    this.emit('update');
  }
  stop(): void {
    this.emit('stop');
  }
  protected event(phase: ProgressEvent['phase']): ProgressEvent {
    const t = this.now();
    let etaSeconds: number | undefined;
    const base = this.rateBase;
    if (base && this.done > base.done && t > base.t) {
      etaSeconds = ((this.total - this.done) * (t - base.t)) / (this.done - base.done) / 1000;
    }
    const elapsedSeconds = (t - this.t0) / 1000;
    return {
      phase,
      label: this.label,
      done: this.done,
      total: this.total,
      info: this.info,
      elapsedSeconds,
      etaSeconds,
    };
  }
  protected abstract emit(phase: ProgressEvent['phase']): void;
}

export class SilentProgress implements ProgressReporter {
  start(): void {}
  update(): void {}
  stop(): void {}
}

/** Calls `fn` on every start/update/stop (notebooks: update a display, log, collect timings). */
export class CallbackProgress extends TrackingReporter {
  constructor(
    private readonly fn: (e: ProgressEvent) => void,
    now?: () => number,
  ) {
    super(now);
  }
  protected emit(phase: ProgressEvent['phase']): void {
    this.fn(this.event(phase));
  }
}

export interface LineProgressOptions {
  /** Where lines go (default process.stderr). */
  write?: (line: string) => void;
  /** Print when this fraction of the total has passed since the last line (default 0.1). */
  stepFraction?: number;
  /** …or when this many seconds have passed since the last line (default 30). */
  intervalSeconds?: number;
  now?: () => number;
}

/** Plain log lines for non-TTY output: at start, every ~10 % or 30 s, and at stop. */
export class LineProgress extends TrackingReporter {
  private readonly write: (line: string) => void;
  private readonly step: number;
  private readonly intervalMs: number;
  private lastDone = 0;
  private lastT = 0;

  constructor(opts: LineProgressOptions = {}) {
    super(opts.now);
    this.write = opts.write ?? ((l) => process.stderr.write(`${l}\n`));
    this.step = opts.stepFraction ?? 0.1;
    this.intervalMs = (opts.intervalSeconds ?? 30) * 1000;
  }
  protected emit(phase: ProgressEvent['phase']): void {
    const e = this.event(phase);
    const t = this.now();
    if (phase === 'update') {
      const stepDue =
        e.done - this.lastDone >= Math.max(1, Math.ceil(this.step * e.total)) || e.done === e.total;
      if (!(stepDue && e.done !== this.lastDone) && t - this.lastT < this.intervalMs) return;
    }
    this.lastDone = e.done;
    this.lastT = t;
    this.write(formatLine(e));
  }
}

export function formatLine(e: ProgressEvent): string {
  const pct = e.total > 0 ? Math.floor((100 * e.done) / e.total) : 100;
  const head = `[${e.label}] ${e.phase === 'stop' ? 'done ' : ''}${e.done}/${e.total} (${pct}%)`;
  const parts = [head, `elapsed ${formatSeconds(e.elapsedSeconds)}`];
  if (e.phase === 'update' && e.etaSeconds !== undefined) parts.push(`eta ${formatSeconds(e.etaSeconds)}`);
  if (e.info.ran !== undefined) parts.push(`ran ${e.info.ran}`);
  if (e.info.message) parts.push(e.info.message);
  return parts.join(', ');
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Hands out one reporter per experiment; stop() when the whole sweep is over. */
export interface ProgressGroup {
  reporter(): ProgressReporter;
  stop(): void;
}

const BAR_FORMAT = '{label} {bar} {percentage}% | {value}/{total} | eta {eta_formatted} | {message}';

/** cli-progress multi-bar: an "overall" bar summing every experiment's cases, plus one bar per experiment. */
export class BarProgressGroup implements ProgressGroup {
  private readonly multi: cliProgress.MultiBar;
  private overall?: cliProgress.SingleBar;
  private readonly children: { total: number; done: number }[] = [];

  constructor(stream: NodeJS.WritableStream = process.stderr) {
    const tty = stream as NodeJS.WriteStream;
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        // every line fits the terminal (a longer one wraps, and the redraw then scrolls the screen)
        format: (o: cliProgress.Options, p: cliProgress.Params, payload: object) =>
          fitWidth(cliProgress.Format.Formatter({ ...o, format: BAR_FORMAT }, p, payload), tty.columns),
        // a narrower bar on a narrow terminal, so that the counts and the eta still fit
        barsize: Math.max(10, Math.min(40, (tty.columns ?? 120) - 75)),
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  reporter(): ProgressReporter {
    const state = { total: 0, done: 0 };
    this.children.push(state);
    let bar: cliProgress.SingleBar | undefined;
    const refreshOverall = () => {
      const total = this.children.reduce((a, c) => a + c.total, 0);
      const done = this.children.reduce((a, c) => a + c.done, 0);
      this.overall ??= this.multi.create(total, 0, { label: pad('overall'), message: '' });
      this.overall.setTotal(total);
      this.overall.update(done, { message: `${this.children.length} experiment(s)` });
    };
    return {
      start: (total, label) => {
        state.total = total;
        state.done = 0;
        refreshOverall();
        bar = this.multi.create(total, 0, { label: pad(label), message: '' });
      },
      update: (done, info = {}) => {
        state.done = done;
        bar?.update(done, { message: info.message ?? (info.lastId ? `last ${info.lastId}` : '') });
        refreshOverall();
        this.redraw();
      },
      stop: () => {
        bar?.update(state.done, { message: 'done' });
        refreshOverall();
        this.redraw();
      },
    };
  }
  /**
   * Draw now. cli-progress redraws on a timer, which never fires while a single process trains (the event loop
   * is busy between updates): without this the bars froze and showed 100 % at the end. At most 10 redraws/s.
   */
  private lastDraw = 0;
  private redraw(): void {
    const t = Date.now();
    if (t - this.lastDraw < 100) return;
    this.lastDraw = t;
    (this.multi as unknown as { update(): void }).update();
  }
  stop(): void {
    this.multi.stop();
  }
}

/** A bar line cut to the terminal's width (one column spare); unchanged when the width is unknown. */
export function fitWidth(line: string, columns: number | undefined): string {
  if (!columns || columns < 10 || line.length < columns) return line;
  return `${line.slice(0, columns - 2)}…`;
}

function pad(label: string): string {
  return label.length >= 24 ? label.slice(0, 24) : label.padEnd(24);
}

/** A group of independent `LineProgress` (or silent) reporters. */
class SimpleGroup implements ProgressGroup {
  constructor(private readonly make: () => ProgressReporter) {}
  reporter(): ProgressReporter {
    return this.make();
  }
  stop(): void {}
}

export type ProgressMode = 'auto' | 'bars' | 'lines' | 'silent';

/** 'auto' (default): bars when `stream` (default process.stderr) is a TTY and not under CI, else lines. */
export function createProgressGroup(
  mode: ProgressMode = 'auto',
  stream: NodeJS.WriteStream = process.stderr,
): ProgressGroup {
  if (mode === 'auto') mode = stream.isTTY && !process.env['CI'] ? 'bars' : 'lines';
  if (mode === 'bars') return new BarProgressGroup(stream);
  if (mode === 'silent') return new SimpleGroup(() => new SilentProgress());
  return new SimpleGroup(() => new LineProgress({ write: (l) => stream.write(`${l}\n`) }));
}

/** One reporter for a single run (same choice as `createProgressGroup`); stopping it stops its bars too. */
export function createProgress(mode: ProgressMode = 'auto', stream?: NodeJS.WriteStream): ProgressReporter {
  const group = createProgressGroup(mode, stream);
  const r = group.reporter();
  return {
    start: (total, label) => r.start(total, label),
    update: (done, info) => r.update(done, info),
    stop: () => {
      r.stop();
      group.stop();
    },
  };
}
