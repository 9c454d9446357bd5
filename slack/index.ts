import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { PinoLike } from '../activities/notify/slack';
import type { IncidentAction } from '../app/incident-client';
import { VigilError } from '../domain/errors';
import { ACKNOWLEDGE_ACTION_ID, RESOLVE_ACTION_ID, escapeMrkdwn } from '../domain/slack-blocks';
import { ACKNOWLEDGE_ALL_ACTION_ID } from '../domain/slack-digest';
import { fieldRefusal, sanitizeLine, sanitizeText } from '../domain/text';
import type { ActionResult } from '../workflows/incident-messages';
import { acknowledgeCallback } from './actions/acknowledge';
import { acknowledgeAllCallback } from './actions/acknowledge-all';
import { slackActor, tell } from './reply';
import { resolveCallback } from './actions/resolve';

/** What the listeners need from outside: a way to act on an incident (a workflow Update in production). */
export interface ListenerDeps {
  act: (workflowId: string, action: IncidentAction) => Promise<ActionResult>;
  logger?: PinoLike;
}

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Runs one incident action for a button click and tells the clicker how it went. */
export type ActionRunner = (args: ButtonArgs, verb: string, build: (by: string) => IncidentAction) => Promise<void>;

/** Builds the shared runner: act, then confirm or explain the refusal to the clicker, never only in logs. */
export function createActionRunner(deps: ListenerDeps): ActionRunner {
  return async (args, verb, build) => {
    const workflowId = args.action.value ?? '';
    const by = slackActor(args.body.user);
    let text: string;
    try {
      if (!workflowId) throw new VigilError('invalid_input', 'the button carries no incident id');
      // Refused here, before anything reaches Temporal or Postgres: the clicker hears which field and why.
      const refused = fieldRefusal("the button's incident id", workflowId, 'line');
      if (refused) throw new VigilError('invalid_input', refused);
      const result = await deps.act(workflowId, build(by));
      deps.logger?.info({ workflowId, verb, by, changed: result.changed }, 'slack action applied');
      text = `${result.changed ? ':white_check_mark:' : ':information_source:'} ${escapeMrkdwn(result.message)}`;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      // Refusals (already resolved, no such incident) are normal; anything else is worth a warning.
      if (err instanceof VigilError) deps.logger?.info({ workflowId, verb, by, code: err.code }, 'slack action refused');
      else deps.logger?.warn({ workflowId, verb, by, err: reason }, 'slack action failed');
      text = `:warning: Could not ${verb} \`${escapeMrkdwn(sanitizeLine(workflowId))}\`: ${escapeMrkdwn(sanitizeText(reason))}`;
    }
    await tell(args, text, deps.logger);
  };
}

/** Registers every Slack listener on the app; tests and production pass their own dependencies. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  const run = createActionRunner(deps);
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: ACKNOWLEDGE_ACTION_ID }, acknowledgeCallback(run));
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: RESOLVE_ACTION_ID }, resolveCallback(run));
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: ACKNOWLEDGE_ALL_ACTION_ID }, acknowledgeAllCallback(deps));
}
