import { VigilError } from '../../domain/errors';
import { parseAckAllValue } from '../../domain/slack-digest';
import { fieldRefusal } from '../../domain/text';
import { actorOrRefuse, type ButtonArgs, type ListenerDeps } from '../index';
import { tell } from '../reply';

/** Updates in flight at once for one click: a digest holds up to 45 incidents. */
const AT_ONCE = 10;

type Result = 'acknowledged' | 'already' | { failed: string };

/**
 * Listener for a digest's "Acknowledge all": acks Slack at once, then acknowledges every incident the
 * button names, each through the same Update as its own button (the actor is the Slack user). One
 * refused or failing incident never fails the others; the clicker hears how many it took.
 */
export function acknowledgeAllCallback(deps: ListenerDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const value = args.action.value ?? '';
    // One bad id means the button was not one of ours: act on none of them rather than guess.
    const refused = fieldRefusal("the button's incident ids", value, 'line');
    if (refused) {
      deps.logger?.info({ slackUser: args.body.user.id, refused }, 'slack acknowledge all refused');
      await tell(args, `:warning: Could not acknowledge all: ${refused}`, deps.logger);
      return;
    }
    const ids = parseAckAllValue(value);
    const by = await actorOrRefuse(deps, args, ids);
    if (by === null) return;
    const results: Result[] = new Array<Result>(ids.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < ids.length; i = next++) results[i] = await acknowledgeOne(deps, ids[i]!, by);
    };
    await Promise.all(Array.from({ length: Math.min(AT_ONCE, ids.length) }, worker));
    const acked = results.filter((r) => r === 'acknowledged').length;
    const already = results.filter((r) => r === 'already').length;
    const failed = results.filter((r): r is { failed: string } => typeof r === 'object');
    deps.logger?.info({ by, incidents: ids.length, acked, already, failed: failed.length }, 'slack acknowledge all applied');
    let text = `${failed.length === 0 ? ':white_check_mark:' : ':warning:'} Acknowledged ${acked} incident${acked === 1 ? '' : 's'} (${already} ${already === 1 ? 'was' : 'were'} already acknowledged/resolved)`;
    if (failed.length > 0) text += `; ${failed.length} could not be acknowledged: ${failed.slice(0, 3).map((f) => f.failed).join('; ')}${failed.length > 3 ? '; …' : ''}`;
    await tell(args, text, deps.logger);
  };
}

async function acknowledgeOne(deps: ListenerDeps, workflowId: string, by: string): Promise<Result> {
  try {
    const r = await deps.act(workflowId, { type: 'acknowledge', by });
    return r.changed ? 'acknowledged' : 'already';
  } catch (err) {
    // Resolved (refused by the workflow) or already closed: nothing left to acknowledge.
    if (err instanceof VigilError && (err.code === 'invalid_state' || err.code === 'not_found')) return 'already';
    const reason = err instanceof Error ? err.message : String(err);
    deps.logger?.warn({ workflowId, by, err: reason }, 'slack acknowledge all: one incident failed');
    return { failed: `\`${workflowId}\`: ${reason}` };
  }
}
