// Worker thread body for hash-pool.ts: recomputes entry hashes with the one canonical implementation.
import { parentPort } from 'node:worker_threads';
import { checkFields, claim, type HashJob, type HashReply } from './hash-pool';

parentPort!.on('message', (job: HashJob) => {
  // The main thread may have taken this job over while it waited in the queue.
  if (!claim(job.claims, job.slot)) {
    parentPort!.postMessage({ id: job.id } satisfies HashReply);
    return;
  }
  const ok = checkFields(job.fields);
  parentPort!.postMessage({ id: job.id, ok } satisfies HashReply, [ok.buffer]);
});
