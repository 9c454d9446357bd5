import { z } from 'zod';
import { authConfigSchema } from './auth/config-schema';
import { ROLES } from './auth/scopes';
import { teamsConfigSchema } from './auth/teams';
import { channelSchema, type ChannelConfig } from './channels/schemas';
import { durationSchema } from './duration-schema';
import { experimentDefinitionSchema } from './experiments/definition';
import type { EscalationPolicy } from './escalation-policy';
import { escalationPolicySchema } from './escalation-policy-schema';
import { matcherSchema } from './matchers';
import { nameSchema } from './names';
import { scheduleSchema, scheduleUserRefs } from './oncall';
import { routeSchema } from './routing';
import { complianceConfigSchema } from './compliance/event';
import { analyticsConfigSchema } from './analytics/config-schema';
import { serviceSlaOverrideSchema, serviceSlaSchema, SLA_DEFAULTS } from './sla-config';
import { targetProblem } from './targets';
import { HEALTH_DEFAULTS } from './health/assess';
import { safeLine, safeText } from './text-schema';

export { channelSchema, type ChannelConfig } from './channels/schemas';

/** A person who can be paged: contact details, and which channels reach them. */
export const userSchema = z
  .object({
    name: safeLine({ max: 200 }).optional(),
    email: z.string().email().optional(),
    slackId: z.string().regex(/^[UW][A-Z0-9]+$/, 'a Slack user ID like U0123ABC').optional(),
    notify: z.array(nameSchema).min(1, 'list at least one channel that reaches this user'),
    roles: z
      .array(z.enum(ROLES))
      .min(1)
      .optional()
      .describe('viewer, responder or admin: with roles the user may also sign in and act (synced to the database at start; keys and passwords live there)'),
    teams: z.array(nameSchema).optional().describe('limit the user to these teams\' services (see teams)'),
  })
  .strict();

/** A static silence from the config (dynamic ones are created with `vigil silences create`). */
export const configSilenceSchema = z
  .object({
    matchers: z.array(matcherSchema).min(1, 'a silence needs at least one matcher'),
    startsAt: z.iso.datetime({ offset: true }).transform((t) => Date.parse(t)),
    endsAt: z.iso.datetime({ offset: true }).transform((t) => Date.parse(t)),
    createdBy: safeLine({ max: 200, min: 1 }),
    comment: safeText({ max: 1000, min: 1, minMessage: 'say why (it shows in every muted incident)' }),
  })
  .strict()
  .refine((s) => s.endsAt > s.startsAt, { message: 'endsAt must be after startsAt', path: ['endsAt'] });

/** Mute target incidents while a matching source incident is open (e.g. availability mutes latency). */
export const inhibitRuleSchema = z
  .object({
    sourceMatchers: z.array(matcherSchema).min(1),
    targetMatchers: z.array(matcherSchema).min(1),
    equal: z.array(safeLine({ max: 100 })).default([]).describe('labels that must be equal on source and target, e.g. [service]'),
  })
  .strict();

/** When /healthz calls the pipe from workflows to Postgres stalled (domain/health/assess.ts). */
const healthSchema = z
  .object({
    maxProjectionLag: durationSchema
      .default(HEALTH_DEFAULTS.maxProjectionLag)
      .describe('/healthz answers 503 when the oldest incident change not yet in Postgres is older than this; 0 never'),
    maxActivityFailing: durationSchema
      .default(HEALTH_DEFAULTS.maxActivityFailing)
      .describe('/healthz answers 503 when an activity has been failing (and retried) for longer than this; 0 never'),
    activityFailureStaleAfter: durationSchema
      .default(HEALTH_DEFAULTS.activityFailureStaleAfter)
      .describe('a failing activity nothing has retried for this long no longer counts (its workflow gave up or closed); keep it above the longest retry interval'),
  })
  .strict()
  .default(HEALTH_DEFAULTS);

const temporalDefaults = { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'vigil-core', mlTaskQueue: 'vigil-ml', uiUrl: 'http://localhost:8233' };

const baseSchema = z
  .object({
    temporal: z
      .object({
        address: safeLine({ max: 300 }).default(temporalDefaults.address),
        namespace: safeLine({ max: 255 }).default(temporalDefaults.namespace),
        taskQueue: safeLine({ max: 255 }).default(temporalDefaults.taskQueue),
        mlTaskQueue: safeLine({ max: 255 }).default(temporalDefaults.mlTaskQueue).describe('model training and scoring, on their own workers'),
        uiUrl: safeLine({ max: 2000 }).url().default(temporalDefaults.uiUrl),
      })
      .strict()
      .default(temporalDefaults),
    api: z
      .object({
        host: safeLine({ max: 255 }).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        publicUrl: safeLine({ max: 2000 }).url().optional().describe('how people reach the API (signed links); default http://<host>:<port>'),
        tls: z
          .object({ cert: safeLine({ max: 1000, min: 1 }).describe('PEM certificate chain file'), key: safeLine({ max: 1000, min: 1 }).describe('PEM private key file') })
          .strict()
          .optional()
          .describe('serve HTTPS (API and Slack endpoint) from this pair; or run behind a TLS reverse proxy'),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    auth: authConfigSchema,
    teams: teamsConfigSchema,
    slack: z
      .object({ port: z.number().int().min(0).max(65535).default(3001) })
      .strict()
      .default({ port: 3001 }),
    incidents: z
      .object({
        reopenWindow: durationSchema.default(600_000),
        resolveAfterQuiet: durationSchema.optional(),
        defaultPolicy: nameSchema.default('default'),
        actionLinkTtl: durationSchema.default(86_400_000).describe('how long signed ack/resolve links stay valid'),
        muteRecheck: durationSchema
          .default(30_000)
          .describe('how often a muted step looks again (an expired silence or a resolved inhibitor is noticed within this)'),
        pageStep: z
          .enum(['local', 'activity'])
          .default('local')
          .describe('"local": an escalation step is paged inside the workflow task that fires it (sends slower than a second go on as activities); "activity": as an activity of its own, one more server round trip per step'),
      })
      .strict()
      .default({ reopenWindow: 600_000, defaultPolicy: 'default', actionLinkTtl: 86_400_000, muteRecheck: 30_000, pageStep: 'local' }),
    channels: z.record(nameSchema, channelSchema).default({ console: channelSchema.parse({ type: 'console' }) }),
    escalationPolicies: z.record(nameSchema, escalationPolicySchema).optional(),
    users: z.record(nameSchema, userSchema).default({}),
    schedules: z.record(nameSchema, scheduleSchema).default({}),
    routes: routeSchema.default({ matchers: [], continue: false, routes: [] }),
    silences: z.array(configSilenceSchema).default([]),
    inhibitRules: z.array(inhibitRuleSchema).default([]),
    /** SLA defaults for every service that reports metrics; `services` overrides them per service. */
    slaDefaults: serviceSlaSchema.default(SLA_DEFAULTS),
    services: z.record(nameSchema, serviceSlaOverrideSchema).default({}),
    compliance: complianceConfigSchema.default(complianceConfigSchema.parse({})),
    anomalyDetection: z
      .object({
        enabled: z.boolean().default(true).describe('score every window with the service model (needs a vigil-ml worker)'),
        trainEvery: durationSchema.default(3_600_000).describe('how often the ModelTraining schedule runs'),
        lookback: durationSchema.default(7 * 86_400_000).describe('history a model learns from'),
        minWindows: z.number().int().min(10).default(100).describe('no model for a service with fewer windows than this'),
        openAfter: z.number().int().min(1).default(2).describe('anomalous windows in a row before an incident opens'),
        resolveAfter: z.number().int().min(1).default(6).describe('normal windows in a row before it auto-resolves'),
      })
      .strict()
      .default({ enabled: true, trainEvery: 3_600_000, lookback: 7 * 86_400_000, minWindows: 100, openAfter: 2, resolveAfter: 6 }),
    health: healthSchema,
    analytics: analyticsConfigSchema.default(analyticsConfigSchema.parse({})),
    experiments: z
      .array(experimentDefinitionSchema)
      .max(100)
      .default([])
      .describe('experiments created when `vigil worker` / `vigil dev` start, if none has the name (a stored one is never redefined from here: use the API/CLI); fields as in `vigil experiments create`'),
  })
  .strict();

/** With no policies configured, every channel is paged at once and again after 5 minutes. */
function defaultPolicies(channels: Record<string, ChannelConfig>): Record<string, EscalationPolicy> {
  const targets = Object.keys(channels);
  return { default: escalationPolicySchema.parse({ levels: [{ delay: 0, targets }, { delay: '5m', targets }] }) };
}

/** The whole vigil.config.yaml; every field has a default so `npm start` needs no file. */
export const configSchema = baseSchema
  .transform((cfg) => ({ ...cfg, escalationPolicies: cfg.escalationPolicies ?? defaultPolicies(cfg.channels) }))
  .superRefine((cfg, ctx) => {
    const known = { channels: Object.keys(cfg.channels), users: Object.keys(cfg.users), schedules: Object.keys(cfg.schedules) };
    const policyNames = Object.keys(cfg.escalationPolicies);
    const needPolicy = (name: string | undefined, path: Array<string | number>) => {
      if (name !== undefined && !policyNames.includes(name)) {
        ctx.addIssue({ code: 'custom', path, message: `names policy "${name}", which escalationPolicies does not define (known: ${policyNames.join(', ')})` });
      }
    };
    needPolicy(cfg.incidents.defaultPolicy, ['incidents', 'defaultPolicy']);
    const walk = (r: z.output<typeof routeSchema>, path: Array<string | number>) => {
      needPolicy(r.policy, [...path, 'policy']);
      r.routes.forEach((child, i) => walk(child, [...path, 'routes', i]));
    };
    walk(cfg.routes, ['routes']);
    for (const [name, policy] of Object.entries(cfg.escalationPolicies)) {
      policy.levels.forEach((level, i) =>
        level.targets.forEach((target, j) => {
          const problem = targetProblem(target, known);
          if (problem) ctx.addIssue({ code: 'custom', path: ['escalationPolicies', name, 'levels', i, 'targets', j], message: problem });
        }),
      );
    }
    for (const [name, ch] of Object.entries(cfg.channels)) {
      if (ch.fallback !== undefined && !(ch.fallback in cfg.channels)) {
        ctx.addIssue({ code: 'custom', path: ['channels', name, 'fallback'], message: `fallback "${ch.fallback}" is not a configured channel` });
      }
      if (ch.fallback === name) ctx.addIssue({ code: 'custom', path: ['channels', name, 'fallback'], message: 'a channel cannot fall back to itself' });
    }
    for (const [name, schedule] of Object.entries(cfg.schedules)) {
      for (const ref of scheduleUserRefs(schedule)) {
        if (!(ref.user in cfg.users)) {
          ctx.addIssue({
            code: 'custom',
            path: ['schedules', name, ...ref.path],
            message: `"${ref.user}" is not in users (known: ${Object.keys(cfg.users).join(', ') || 'none'}); define how to reach them there`,
          });
        }
      }
    }
    const reportChannels = [
      ...cfg.compliance.reports.channels.map((name, i) => ({ name, path: ['compliance', 'reports', 'channels', i] })),
      ...cfg.analytics.reports.channels.map((name, i) => ({ name, path: ['analytics', 'reports', 'channels', i] })),
    ];
    reportChannels.forEach(({ name, path }) => {
      const ch = cfg.channels[name];
      if (!ch) ctx.addIssue({ code: 'custom', path, message: `"${name}" is not a configured channel (known: ${Object.keys(cfg.channels).join(', ')})` });
      else if (ch.type === 'pagerduty') ctx.addIssue({ code: 'custom', path, message: `"${name}" is a PagerDuty channel, which pages people and cannot carry a report; use email, slack, teams, webhook or console` });
    });
    const experimentNames = new Set<string>();
    cfg.experiments.forEach((x, i) => {
      if (experimentNames.has(x.name)) ctx.addIssue({ code: 'custom', path: ['experiments', i, 'name'], message: `experiment "${x.name}" is defined twice` });
      experimentNames.add(x.name);
      x.reportChannels.forEach((name, j) => {
        if (!(name in cfg.channels)) ctx.addIssue({ code: 'custom', path: ['experiments', i, 'reportChannels', j], message: `"${name}" is not a configured channel (known: ${Object.keys(cfg.channels).join(', ')})` });
      });
    });
    for (const [name, user] of Object.entries(cfg.users)) {
      user.notify.forEach((channel, i) => {
        if (!(channel in cfg.channels)) ctx.addIssue({ code: 'custom', path: ['users', name, 'notify', i], message: `"${channel}" is not a configured channel` });
      });
    }
  });

export type VigilConfig = z.output<typeof configSchema>;
export type VigilConfigInput = z.input<typeof configSchema>;

/** One readable line per problem: "escalationPolicies.default.levels.0.delay: … ". */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}
