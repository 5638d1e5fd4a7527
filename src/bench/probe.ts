/**
 * Can the trainer drop the rows of learned adapters from a stacked run (a non-identity adapter layout)? Checked in a
 * child process, because a train() that throws mid-step leaves its tape's saved tensors behind (tfjs keeps them and
 * frees them only after a successful backward), which would spoil this process's tensor count.
 *
 * Seen before commit 1c7e5ef: selectGroups (src/peft/groups.ts) created its index tensor inside the forward, whose
 * tidy freed it before gatherRows' gradient read it ("Cannot read properties of undefined (reading 'backend')");
 * gatherRows now saves its ids for the backward. The probe stays as a guard (≈ 2 s, outside the timed region).
 */
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { LlamaModel } from '../model/llama';
import { wrap } from '../peft';
import { train } from '../train/trainer';
import { LORA_SETUP } from './kernel';
import { RANDOM_FACTS_CONFIG } from './workload';

export interface ProbeResult {
  ok: boolean;
  /** the error train() threw, if any */
  error?: string;
}

/** 8 adapters on a 1-layer model that learn at different steps, rows dropped after every step. */
async function probe(): Promise<ProbeResult> {
  const model = LlamaModel.random(
    {
      ...RANDOM_FACTS_CONFIG,
      vocab_size: 64,
      hidden_size: 32,
      intermediate_size: 48,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      num_key_value_heads: 2,
      head_dim: 16,
    },
    0,
  );
  const handle = wrap(model, { method: 'lora', ...LORA_SETUP, groups: 8 });
  const examples = Array.from({ length: 8 }, (_, g) => ({
    ids: [5 + g, 6, 7, 60 - 5 * g],
    answerStart: 3,
    group: g,
  }));
  try {
    const r = await train(
      model,
      handle,
      examples,
      { steps: 20, batchSize: 1, earlyStop: true, lr: 0.01, checkEvery: 1 },
      { padId: 0 },
    );
    const at = r.learnedAt.filter((s) => s !== null);
    // the probe only proves something if some adapters finished before others
    if (new Set(at).size < 2) return { ok: false, error: `inconclusive probe (learnedAt ${r.learnedAt})` };
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    handle.remove();
    model.dispose();
  }
}

/** Runs the probe in a child process (same Node flags, so tsx keeps working) on the active backend (wasm or cpu). */
export function canDropLearnedRows(): ProbeResult {
  try {
    const out = execFileSync(process.execPath, [...process.execArgv, __filename], {
      encoding: 'utf8',
      // the failure is the engine's (backend-independent); wasm and cpu need no optional loader in the child
      env: {
        ...process.env,
        BEACONS_BACKEND: ['wasm', 'cpu'].includes(tf.getBackend()) ? tf.getBackend() : 'cpu',
      },
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 120_000,
    });
    return JSON.parse(out.trim().split('\n').pop() ?? '') as ProbeResult;
  } catch (e) {
    return { ok: false, error: `probe process failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

if (require.main === module) {
  initBackend(undefined, { quiet: true })
    .then(probe)
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e: Error) => console.log(JSON.stringify({ ok: false, error: e.message })));
}
