import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ActionRunner } from '../index';

/** Listener for the Resolve button: ack Slack at once, then hand the click to the incident workflow. */
export function resolveCallback(run: ActionRunner) {
  return async (args: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    // Slack shows the user an error if it gets no HTTP response within 3 s; the workflow update may take longer.
    await args.ack();
    await run(args, 'resolve', (by) => ({ type: 'resolve', by }));
  };
}
