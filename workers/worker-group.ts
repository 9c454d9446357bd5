import type { State, Worker } from '@temporalio/worker';

/**
 * Workers one process runs as one: they start, drain and stop together, so a caller that ran a
 * single worker keeps its run/shutdown/getState code. When one worker stops (a fatal error, or its
 * own SIGINT handling), the others are shut down too, and run() settles once all have drained.
 */
export class WorkerGroup {
  /** `cleanup` runs once every worker has stopped (what the workers' activities held open). */
  constructor(
    readonly workers: [Worker, ...Worker[]],
    private readonly cleanup?: () => Promise<void>,
  ) {}

  /** The task queues polled, the main one first. */
  get taskQueues(): string[] {
    return this.workers.map((w) => w.options.taskQueue);
  }

  getState(): State {
    return this.workers[0].getState();
  }

  shutdown(): void {
    for (const w of this.workers) if (w.getState() === 'RUNNING') w.shutdown();
  }

  async run(): Promise<void> {
    const results = await Promise.allSettled(
      this.workers.map((w) =>
        w.run().finally(() => {
          this.shutdown();
        }),
      ),
    );
    await this.cleanup?.().catch(() => undefined);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
