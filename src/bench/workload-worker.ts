/**
 * One worker of the parallel workload benchmark: `node --import tsx src/bench/workload-worker.ts <json>` learns the
 * stacks `index, index + workers, …` of the same fact set and prints `WORKLOAD_JSON {…}` (a StackedResult).
 */
import { initBackend } from '../backend';
import { prepareFacts, runStacked } from './workload';

interface Job {
  index: number;
  workers: number;
  facts: number;
  perStack: number;
  steps: number;
  lr: number;
  checkEvery: number;
  backend: string;
}

async function main(job: Job): Promise<void> {
  await initBackend(job.backend, { quiet: true });
  const set = prepareFacts(job.facts, 0);
  // this worker's stacks; each fact keeps its index, so its adapter the seed the single-process run gives it
  const ids: number[] = [];
  for (let s = 0; s * job.perStack < set.examples.length; s++)
    if (s % job.workers === job.index)
      for (let i = s * job.perStack; i < Math.min((s + 1) * job.perStack, set.examples.length); i++)
        ids.push(i);
  const mine = ids.map((i) => set.examples[i]);
  const r = await runStacked(
    { ...set, examples: mine },
    job.perStack,
    job.steps,
    job.lr,
    0,
    job.checkEvery,
    ids,
  );
  set.model.dispose();
  console.log(`WORKLOAD_JSON ${JSON.stringify(r)}`);
}

main(JSON.parse(process.argv[2]) as Job).catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
