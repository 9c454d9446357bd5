import { formatMatcher, incidentLabels, matchesAll, type Matcher } from './matchers';

/** A silence: incidents whose labels match are recorded but notify nobody between startsAt and endsAt. */
export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

export interface InhibitRule {
  sourceMatchers: Matcher[];
  targetMatchers: Matcher[];
  equal: string[];
}

/** What suppression needs to know about an incident (the one notifying, or an open source candidate). */
export interface LabelledIncident {
  workflowId: string;
  service: string;
  kind: string;
  dimension: string;
  severity: string;
  labels: Record<string, string>;
}

/** Why an incident is muted now and when to look again, or null when it may notify. */
export interface Mute {
  reason: string;
  recheckAt: number;
}


function describeSilence(s: Silence): string {
  return `silenced by ${s.createdBy} (${s.comment}; ${s.matchers.map(formatMatcher).join(', ')}) until ${new Date(s.endsAt).toISOString()}`;
}

/**
 * Alertmanager semantics: an active matching silence mutes until it ends; an inhibition rule mutes
 * a target while some *other* open incident matches its source matchers with the `equal` labels equal.
 * Inhibition has no end time of its own, so it is re-checked every `recheckMs`.
 */
export function findMute(
  incident: LabelledIncident,
  silences: Silence[],
  rules: InhibitRule[],
  openIncidents: LabelledIncident[],
  now: number,
  recheckMs = 30_000,
): Mute | null {
  const labels = incidentLabels(incident);
  const active = silences
    .filter((s) => s.startsAt <= now && now < s.endsAt && matchesAll(s.matchers, labels))
    .sort((a, b) => a.endsAt - b.endsAt);
  // Re-check at the silence's end, or sooner: a silence expired early is noticed within recheckMs.
  if (active.length > 0) return { reason: describeSilence(active[0]!), recheckAt: Math.min(active[0]!.endsAt, now + recheckMs) };
  for (const rule of rules) {
    if (!matchesAll(rule.targetMatchers, labels)) continue;
    // Alertmanager's rule: an incident that could itself be a source is not muted by a source that could
    // itself be a target, or two symptoms of one outage would mute each other and nobody gets paged.
    const selfIsSource = matchesAll(rule.sourceMatchers, labels);
    const source = openIncidents.find((o) => {
      if (o.workflowId === incident.workflowId) return false;
      const sl = incidentLabels(o);
      if (selfIsSource && matchesAll(rule.targetMatchers, sl)) return false;
      return matchesAll(rule.sourceMatchers, sl) && rule.equal.every((name) => (sl[name] ?? '') === (labels[name] ?? ''));
    });
    if (source) {
      return {
        reason: `inhibited by open ${source.severity} ${source.kind} incident ${source.workflowId} on ${source.service}`,
        recheckAt: now + recheckMs,
      };
    }
  }
  return null;
}
