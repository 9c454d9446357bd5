import { Context } from '@temporalio/activity';

/** How often a send in progress tells Temporal it is alive. */
export const HEARTBEAT_EVERY_MS = 1000;

/**
 * Runs a send while heartbeating, so a worker killed mid-send is noticed within the activity's
 * heartbeat timeout (seconds) rather than its start-to-close timeout. Outside an activity (direct
 * calls in tests and benchmarks) and in a local activity it just runs the send.
 */
export async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return work();
  }
  // A local activity cannot heartbeat: the workflow task it runs in is what Temporal watches.
  if (ctx.info.isLocal) return work();
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Waits until `at` (epoch ms; a slot less than a second away), cancellable when inside an activity. */
export async function untilSlot(at: number): Promise<void> {
  const ms = at - Date.now();
  if (ms <= 0) return;
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    await new Promise((r) => setTimeout(r, ms));
    return;
  }
  await ctx.sleep(ms);
}
