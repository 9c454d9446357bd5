/** What a policy level can name: a channel, a person, or whoever is on call in a schedule. */
export type Target =
  | { kind: 'channel'; channel: string }
  | { kind: 'user'; user: string }
  | { kind: 'oncall'; schedule: string };

/** Parses "channel-name", "user:alice" or "oncall:primary". */
export function parseTarget(text: string): Target {
  if (text.startsWith('user:')) return { kind: 'user', user: text.slice(5) };
  if (text.startsWith('oncall:')) return { kind: 'oncall', schedule: text.slice(7) };
  return { kind: 'channel', channel: text };
}

/** Why a target names nothing the config defines, or null. */
export function targetProblem(
  text: string,
  known: { channels: string[]; users: string[]; schedules: string[] },
): string | null {
  const t = parseTarget(text);
  const list = (xs: string[]) => (xs.length ? xs.join(', ') : 'none');
  switch (t.kind) {
    case 'channel':
      return known.channels.includes(t.channel) ? null : `target "${text}" is not a configured channel (known: ${list(known.channels)}); people are "user:<name>", schedules "oncall:<name>"`;
    case 'user':
      return known.users.includes(t.user) ? null : `target "${text}" names no user in users (known: ${list(known.users)})`;
    case 'oncall':
      return known.schedules.includes(t.schedule) ? null : `target "${text}" names no schedule in schedules (known: ${list(known.schedules)})`;
  }
}
