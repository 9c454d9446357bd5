/**
 * What a credential may do. Scopes name a resource and a verb, as Grafana's and PagerDuty's API
 * tokens do; `admin` holds every scope; `act-as` lets an automation key record whom it acts for.
 */
export const SCOPES = [
  'incidents:read',
  'incidents:write',
  'silences:read',
  'silences:write',
  'metrics:write',
  'compliance:read',
  'audit:read',
  // The executive dashboard: cost, spend and business figures, which on-call viewers need not see.
  'analytics:read',
  // Experiments: reading results, and creating/pausing/stopping them (which changes live traffic).
  'experiments:read',
  'experiments:write',
  'act-as',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export const ROLES = ['viewer', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Each role is the one below it plus its own: a responder can do all a viewer can. */
const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  viewer: ['incidents:read', 'silences:read'],
  responder: ['incidents:read', 'silences:read', 'incidents:write', 'silences:write'],
  admin: ['admin'],
};

export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);
export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

/** The scopes a set of roles grants (sorted, no repeats). */
export function scopesOfRoles(roles: readonly Role[]): Scope[] {
  return [...new Set(roles.flatMap((r) => ROLE_SCOPES[r]))].sort();
}

/** Whether `granted` covers `needed`. */
export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  return granted.includes('admin') || granted.includes(needed);
}

/**
 * The scopes a key may carry when a user creates it: never more than the user holds (a responder
 * cannot mint an admin key), or null with the first scope that is too much.
 */
export function grantableScopes(holder: readonly Scope[], asked: readonly Scope[]): { ok: true } | { ok: false; scope: Scope } {
  for (const s of asked) if (!hasScope(holder, s)) return { ok: false, scope: s };
  return { ok: true };
}
