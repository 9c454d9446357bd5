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
  /**
   * Who a Slack user is in Vigil (with access control on): the actor to record, or why they may not
   * act. Without it every clicker acts as "slack:<id> (<name>)".
   */
  identify?: (user: BlockAction['user'], workflowIds: readonly string[]) => Promise<SlackIdentity>;
}

export type SlackIdentity = { actor: string } | { refusal: string };

/** The clicker's actor, or null after telling them why they may not act. */
export async function actorOrRefuse(deps: ListenerDeps, args: ButtonArgs, workflowIds: readonly string[]): Promise<string | null> {
  const who = deps.identify ? await deps.identify(args.body.user, workflowIds) : { actor: slackActor(args.body.user) };
  if ('actor' in who) return who.actor;
  deps.logger?.info({ slackUser: args.body.user.id }, 'slack click refused: not a Vigil user who may act');
  await tell(args, `:no_entry: ${who.refusal}`, deps.logger);
  return null;
}

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Runs one incident action for a button click and tells the clicker how it went. */
export type ActionRunner = (args: ButtonArgs, verb: string, build: (by: string) => IncidentAction) => Promise<void>;

/** Builds the shared runner: act, then confirm or explain the refusal to the clicker, never only in logs. */
export function createActionRunner(deps: ListenerDeps): ActionRunner {
  return async (args, verb, build) => {
    const workflowId = args.action.value ?? '';
    const by = await actorOrRefuse(deps, args, workflowId && !fieldRefusal('id', workflowId, 'line') ? [workflowId] : []);
    if (by === null) return;
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
