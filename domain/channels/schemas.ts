import { z } from 'zod';
import { durationSchema } from '../duration-schema';
import { nameSchema } from '../names';
import { safeLine } from '../text-schema';

/** Names an environment variable holding a secret: secrets never live in the config file itself. */
const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name like MY_SECRET');

/** Settings every channel shares: how long one send may take, where to go when it keeps failing, how fast. */
const common = {
  timeout: durationSchema.default(10_000).describe('per-request timeout'),
  fallback: nameSchema.optional().describe('channel to notify instead when this one keeps failing'),
  ratePerSecond: z.number().positive().max(1000).optional().describe('most sends per second, across all workers'),
};

export const consoleChannelSchema = z.object({ type: z.literal('console'), ...common }).strict();

export const slackChannelSchema = z
  .object({
    type: z.literal('slack'),
    channel: safeLine({ max: 100, min: 1 }).describe('Slack channel ID (C0123…); a user target overrides it with their user ID (a DM)'),
    ...common,
    // Slack allows about one message per second per channel.
    ratePerSecond: z.number().positive().max(1000).default(1),
  })
  .strict();

export const emailChannelSchema = z
  .object({
    type: z.literal('email'),
    to: z.array(z.string().email()).default([]).describe('recipients; a user target sends to the user instead'),
    from: safeLine({ max: 300, min: 3, minMessage: 'must be at least 3 characters' }).optional().describe('From header; default SMTP_FROM or vigil@localhost'),
    ...common,
  })
  .strict();

export const pagerDutyChannelSchema = z
  .object({
    type: z.literal('pagerduty'),
    routingKeyEnv: envVarName.default('PAGERDUTY_ROUTING_KEY'),
    apiUrl: safeLine({ max: 2000 }).url().default('https://events.pagerduty.com').describe('Events API v2 base URL'),
    ...common,
  })
  .strict();

export const teamsChannelSchema = z
  .object({
    type: z.literal('teams'),
    webhookUrlEnv: envVarName.default('TEAMS_WEBHOOK_URL').describe('incoming webhook / Workflows URL (a secret)'),
    ...common,
  })
  .strict();

export const webhookChannelSchema = z
  .object({
    type: z.literal('webhook'),
    url: safeLine({ max: 2000 }).url().optional(),
    urlEnv: envVarName.optional().describe('use when the URL itself is a secret'),
    secretEnv: envVarName.default('VIGIL_WEBHOOK_SECRET').describe('HMAC-SHA256 signing secret'),
    ...common,
  })
  .strict()
  .refine((c) => Boolean(c.url) !== Boolean(c.urlEnv), { message: 'set exactly one of url and urlEnv' });

/** A channel a policy can target, by type. */
export const channelSchema = z.discriminatedUnion('type', [
  consoleChannelSchema,
  slackChannelSchema,
  emailChannelSchema,
  pagerDutyChannelSchema,
  teamsChannelSchema,
  webhookChannelSchema,
]);

export type ChannelConfig = z.output<typeof channelSchema>;
export type SlackChannelConfig = z.output<typeof slackChannelSchema>;
export type EmailChannelConfig = z.output<typeof emailChannelSchema>;
export type PagerDutyChannelConfig = z.output<typeof pagerDutyChannelSchema>;
export type TeamsChannelConfig = z.output<typeof teamsChannelSchema>;
export type WebhookChannelConfig = z.output<typeof webhookChannelSchema>;
