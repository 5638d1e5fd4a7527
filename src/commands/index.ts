/**
 * The table of `beacons` commands: each command module exports its option table (SPEC) and `run`, loaded only when
 * its command is used. src/cli.ts dispatches through it; docs/cli.md is generated from it (cli-docs.ts).
 */
import type { CommandSpec } from './options';

export interface Command {
  spec: CommandSpec;
  run(argv: string[]): Promise<void>;
}

/** Each command module exports its option table (SPEC) and `run`; loaded only when its command is used. */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  reproduce: async () => {
    const m = await import('./reproduce');
    return { spec: m.SPEC, run: m.run };
  },
  merge: async () => {
    const m = await import('./reproduce');
    return { spec: m.MERGE_SPEC, run: m.merge };
  },
  pretrain: async () => {
    const m = await import('./pretrain');
    return { spec: m.SPEC, run: m.run };
  },
  probe: async () => {
    const m = await import('./probe');
    return { spec: m.SPEC, run: m.run };
  },
  calibrate: async () => {
    const m = await import('./calibrate');
    return { spec: m.SPEC, run: m.run };
  },
  report: async () => {
    const m = await import('./report');
    return { spec: m.SPEC, run: m.run };
  },
  bench: async () => {
    const m = await import('./bench');
    return { spec: m.SPEC, run: m.run };
  },
  claims: async () => {
    const m = await import('./claims');
    return { spec: m.SPEC, run: m.run };
  },
  operating: async () => {
    const m = await import('./operating');
    return { spec: m.SPEC, run: m.run };
  },
};

/** The top-level help; a test checks the number of experiments against the findings table. */
export const USAGE = `Usage: beacons <${Object.keys(COMMANDS).join('|')}> [options]
  reproduce   run the six experiments (cached), write figures and results/SUMMARY.md
  merge       join the result files of --shard i/n runs and write the summaries
  pretrain    build the shipped base model (data/models/beacon-base)
  probe       re-run the base model's probes and write its MODEL_CARD.md
  calibrate   choose per-method learning rates for the unsaturated regime
  report      write the interactive HTML report (results/report/) from cached runs
  bench       training-step and workload benchmark against a PyTorch reference
  claims      rewrite README's and docs/'s generated blocks (the answer table) from cached results
  operating   simulate each verdict rule at the study's sample sizes (results/operating-characteristics.md)
Every command takes --backend auto|tensorflow|webgpu|wasm|cpu (or BEACONS_BACKEND; default auto).
Run "beacons <command> --help" for a command's options.`;
