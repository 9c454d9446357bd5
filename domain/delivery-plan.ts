import type { ChannelConfig } from './channels/schemas';
import { parseTarget } from './targets';

/** One concrete send (mirrors activities/notify/types.ts Delivery, kept here so the planner stays pure). */
export interface PlannedDelivery {
  key: string;
  channel: string;
  address?: string;
  fallback?: string;
}

export interface PlanContext {
  channels: Record<string, ChannelConfig>;
  users: Record<string, { name?: string | undefined; email?: string | undefined; slackId?: string | undefined; notify: string[] }>;
  /** Who is on call in a schedule at the moment of paging, or null (nobody). */
  onCall: (schedule: string) => { user: string; until: number | null } | null;
}

function personalAddress(channel: ChannelConfig | undefined, user: PlanContext['users'][string]): string | undefined {
  if (channel?.type === 'email') return user.email;
  if (channel?.type === 'slack') return user.slackId;
  return undefined;
}

/**
 * Turns policy targets into concrete deliveries at the moment of paging: channels as they are,
 * users through their own channels and addresses, schedules through whoever is on call now.
 * `paged` says, for the timeline, who the people-targets turned out to be.
 */
export function planTargets(targets: string[], ctx: PlanContext): { deliveries: PlannedDelivery[]; paged: string[] } {
  // Keyed by where a send goes, not how it was reached: a person who is both a direct target and on
  // call, or a user with no personal address on a team channel, is still sent one message.
  const deliveries = new Map<string, PlannedDelivery>();
  const paged: string[] = [];
  const add = (d: PlannedDelivery) => {
    const where = `${d.channel}\u0000${d.address ?? ''}`;
    if (!deliveries.has(where)) deliveries.set(where, d);
  };
  const viaUser = (prefix: string, name: string) => {
    const user = ctx.users[name];
    if (!user) return paged.push(`${prefix}: no user "${name}" in the config; nobody paged`);
    for (const channel of user.notify) {
      const address = personalAddress(ctx.channels[channel], user);
      const fallback = ctx.channels[channel]?.fallback;
      add({ key: `${prefix}/${channel}`, channel, ...(address ? { address } : {}), ...(fallback ? { fallback } : {}) });
    }
    return paged.push(`${prefix} → ${user.name ?? name} via ${user.notify.join(', ')}`);
  };
  for (const text of targets) {
    const t = parseTarget(text);
    if (t.kind === 'channel') {
      const fallback = ctx.channels[t.channel]?.fallback;
      add({ key: t.channel, channel: t.channel, ...(fallback ? { fallback } : {}) });
    } else if (t.kind === 'user') {
      viaUser(text, t.user);
    } else {
      const who = ctx.onCall(t.schedule);
      if (!who) paged.push(`${text}: nobody is on call right now`);
      else viaUser(`${text}/${who.user}`, who.user);
    }
  }
  return { deliveries: [...deliveries.values()], paged };
}
