import type { VigilConfig } from './config';
import type { Matcher } from './matchers';
import type { Route } from './routing';

/** Labels every incident carries (domain/matchers.ts incidentLabels). */
const BUILT_IN_LABELS = ['service', 'kind', 'dimension', 'severity'];

/** One thing a valid config probably did not mean: where, and why it matters. */
export interface ConfigWarning {
  path: string;
  message: string;
}

function routeMatchers(r: Route): Matcher[] {
  return [...r.matchers, ...r.routes.flatMap(routeMatchers)];
}

/**
 * Valid but suspicious settings, for `vigil config check`. Not errors: custom labels come from the
 * services that raise incidents, so the config alone cannot know every label name.
 */
export function configWarnings(config: VigilConfig): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  const mentioned = new Set([
    ...BUILT_IN_LABELS,
    ...routeMatchers(config.routes).map((m) => m.name),
    ...config.silences.flatMap((s) => s.matchers.map((m) => m.name)),
    ...config.inhibitRules.flatMap((r) => [...r.sourceMatchers, ...r.targetMatchers].map((m) => m.name)),
  ]);
  config.inhibitRules.forEach((rule, i) =>
    rule.equal.forEach((name, j) => {
      if (mentioned.has(name)) return;
      out.push({
        path: `inhibitRules.${i}.equal.${j}`,
        message: `"${name}" is neither a label every incident has (${BUILT_IN_LABELS.join(', ')}) nor one any matcher mentions; a label missing on both incidents compares equal (as in Alertmanager), so a misspelt name makes this rule mute across all its values`,
      });
    }),
  );
  for (const [name, user] of Object.entries(config.users)) {
    user.notify.forEach((channel, i) => {
      const type = config.channels[channel]?.type;
      if (type === 'slack' && !user.slackId) {
        out.push({ path: `users.${name}.notify.${i}`, message: `"${channel}" is a Slack channel but the user has no slackId: paging them posts in the team channel, not a DM` });
      }
      if (type === 'email' && !user.email) {
        out.push({ path: `users.${name}.notify.${i}`, message: `"${channel}" is an email channel but the user has no email: paging them mails the channel's own recipients` });
      }
    });
  }
  return out;
}
