import { z } from 'zod';
import { durationSchema } from './duration';
import { escalationPolicySchema } from './escalation-policy';
import { nameSchema } from './names';

/** A channel a policy can target. Secrets (tokens) come from the environment, never from this file. */
export const channelSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('console') }).strict(),
  z
    .object({
      type: z.literal('slack'),
      channel: z.string().min(1).describe('Slack channel ID (C0123…) or name the bot may post to'),
    })
    .strict(),
]);
export type ChannelConfig = z.infer<typeof channelSchema>;

const DEFAULT_POLICY = {
  levels: [
    { delay: 0, targets: ['console'] },
    { delay: '5m', targets: ['console'] },
  ],
  repeat: 0,
};

/** The whole vigil.config.yaml; every field has a default so `npm start` needs no file. */
export const configSchema = z
  .object({
    temporal: z
      .object({
        address: z.string().default('127.0.0.1:7233'),
        namespace: z.string().default('default'),
        taskQueue: z.string().default('vigil-core'),
        uiUrl: z.string().url().default('http://localhost:8233'),
      })
      .strict()
      .default({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'vigil-core', uiUrl: 'http://localhost:8233' }),
    api: z
      .object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(8080) })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    slack: z
      .object({ port: z.number().int().min(0).max(65535).default(3001) })
      .strict()
      .default({ port: 3001 }),
    incidents: z
      .object({
        reopenWindow: durationSchema.default(600_000),
        resolveAfterQuiet: durationSchema.optional(),
        defaultPolicy: nameSchema.default('default'),
      })
      .strict()
      .default({ reopenWindow: 600_000, defaultPolicy: 'default' }),
    channels: z.record(nameSchema, channelSchema).default({ console: { type: 'console' } }),
    escalationPolicies: z.record(nameSchema, escalationPolicySchema).default({
      default: escalationPolicySchema.parse(DEFAULT_POLICY),
    }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (!(cfg.incidents.defaultPolicy in cfg.escalationPolicies)) {
      ctx.addIssue({
        code: 'custom',
        path: ['incidents', 'defaultPolicy'],
        message: `names policy "${cfg.incidents.defaultPolicy}", which escalationPolicies does not define`,
      });
    }
    for (const [name, policy] of Object.entries(cfg.escalationPolicies)) {
      policy.levels.forEach((level, i) =>
        level.targets.forEach((target, j) => {
          if (!(target in cfg.channels)) {
            ctx.addIssue({
              code: 'custom',
              path: ['escalationPolicies', name, 'levels', i, 'targets', j],
              message: `target "${target}" is not a configured channel (known: ${Object.keys(cfg.channels).join(', ')})`,
            });
          }
        }),
      );
    }
  });

export type VigilConfig = z.output<typeof configSchema>;
export type VigilConfigInput = z.input<typeof configSchema>;

/** One readable line per problem: "escalationPolicies.default.levels.0.delay: … ". */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}
