import { z } from 'zod';
import type { Matcher } from '../matchers';
import { nameSchema } from '../names';

/** Config `teams:` — which services each team owns; a user limited to teams (users --team) acts on those only. */
export const teamsConfigSchema = z
  .record(nameSchema, z.object({ services: z.array(nameSchema).min(1).describe('services this team owns') }).strict())
  .default({})
  .describe('teams and the services they own; a user with teams may act on and silence only those services');

export type TeamsConfig = z.output<typeof teamsConfigSchema>;

/** The services a principal's teams own, or null when the principal is not limited to teams. */
export function servicesOfTeams(teams: readonly string[], config: TeamsConfig): Set<string> | null {
  if (teams.length === 0) return null;
  return new Set(teams.flatMap((t) => config[t]?.services ?? []));
}

/** Why a limited principal may not touch this service's incidents, or null when it may. */
export function serviceRefusal(name: string, teams: readonly string[], service: string, config: TeamsConfig): string | null {
  const allowed = servicesOfTeams(teams, config);
  if (!allowed || allowed.has(service)) return null;
  return `${name} (team ${teams.join(', ')}) may not act on incidents of "${service}", which is not their team's`;
}

/**
 * Why a limited principal may not create this silence, or null. A silence can mute anything its
 * matchers reach, so it must pin `service` with `=` to one of the team's services; a regex or a
 * negative matcher on service, or none at all, could mute another team's pages.
 */
export function silenceRefusal(name: string, teams: readonly string[], matchers: readonly Matcher[], config: TeamsConfig): string | null {
  const allowed = servicesOfTeams(teams, config);
  if (!allowed) return null;
  const pinned = matchers.filter((m) => m.name === 'service' && m.op === '=');
  if (pinned.length === 0) return `${name} (team ${teams.join(', ')}) may only silence their own services: add a matcher service="<one of ${[...allowed].join(', ') || 'none'}>"`;
  const foreign = pinned.find((m) => !allowed.has(m.value));
  return foreign ? `${name} (team ${teams.join(', ')}) may not silence "${foreign.value}", which is not their team's` : null;
}
