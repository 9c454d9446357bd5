import type { BlockAction } from '@slack/bolt';
import type { PinoLike } from '../activities/notify/slack';
import { clipText, sanitizeLine } from '../domain/text';
import type { ButtonArgs } from './index';

/** Longest display name kept in an actor; the workflow refuses actors over 200 characters. */
const MAX_NAME = 100;

/**
 * The actor string the timeline records for a Slack user, e.g. "slack:U123 (alice)". Display names
 * are only shown, so a hostile one is sanitised visibly (U+FFFD) rather than refused: the click
 * still counts, and the timeline shows where characters were dropped.
 */
export function slackActor(user: BlockAction['user']): string {
  const name = user.username || user.name || user.id;
  return `slack:${sanitizeLine(clipText(user.id, 40))} (${sanitizeLine(clipText(name, MAX_NAME))})`;
}

/** Ephemeral in the channel if possible, else via response_url (e.g. the bot is not in that channel). */
export async function tell({ body, client, respond }: ButtonArgs, text: string, logger?: PinoLike): Promise<void> {
  const channel = body.channel?.id ?? (typeof body.container.channel_id === 'string' ? body.container.channel_id : undefined);
  if (channel) {
    try {
      await client.chat.postEphemeral({ channel, user: body.user.id, text });
      return;
    } catch (err) {
      logger?.warn({ channel, err: err instanceof Error ? err.message : String(err) }, 'chat.postEphemeral failed; using response_url');
    }
  }
  try {
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  } catch (err) {
    logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not tell the Slack user the action result');
  }
}
