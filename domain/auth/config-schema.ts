import { z } from 'zod';
import { durationSchema } from '../duration-schema';
import { safeLine } from '../text-schema';

const AUTH_DEFAULTS = { mode: 'keys' as const, metricsPublic: true, keyCacheTtl: 10_000, sessionTtl: 12 * 3_600_000, slackUnmapped: 'refuse' as const };

/** Who may call the API (api/auth/): keys and sessions by default; `none` only on purpose. */
export const authConfigSchema = z
  .object({
    mode: z
      .enum(['keys', 'none'])
      .default(AUTH_DEFAULTS.mode)
      .describe('keys: every route needs an API key, a console session or a trusted proxy identity; none: anyone may do anything (warned at every start and in /healthz)'),
    metricsPublic: z.boolean().default(AUTH_DEFAULTS.metricsPublic).describe('GET /metrics without credentials (Prometheus scrapes); false: admin keys only'),
    keyCacheTtl: durationSchema.default(AUTH_DEFAULTS.keyCacheTtl).describe('a revoked or expired key is refused everywhere within this'),
    sessionTtl: durationSchema.default(AUTH_DEFAULTS.sessionTtl).describe('how long a console login lasts'),
    slackUnmapped: z
      .enum(['refuse', 'allow'])
      .default(AUTH_DEFAULTS.slackUnmapped)
      .describe('a Slack user not linked to a Vigil user (users --slack-id): refuse (ephemeral "ask an admin") or allow, recorded with the Slack name'),
    proxy: z
      .object({
        header: safeLine({ max: 100, min: 1 }).default('X-Forwarded-Email').describe('the header an SSO proxy (e.g. oauth2-proxy) sets to the user\'s email or name'),
        trustedProxies: z.array(safeLine({ max: 100, min: 1 })).min(1).describe('peer addresses the header is believed from; from anywhere else it is ignored'),
      })
      .strict()
      .optional()
      .describe('auth-proxy mode for single sign-on, as Grafana does it'),
  })
  .strict()
  .default(AUTH_DEFAULTS);

export type AuthConfig = z.output<typeof authConfigSchema>;
