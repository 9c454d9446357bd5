import { z } from 'zod';
import { textRefusal } from './text';

/** One Alertmanager-style label matcher: `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`. */
export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

// Inside quotes a backslash may precede any character, line breaks included (`.` would not match \r).
const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\[\s\S])*)"|([^"\s]*))\s*$/;

// Like Alertmanager, only \", \\ and \n are escapes inside quotes; any other backslash is kept
// as written, so a quoted regex such as "/v\d+/search" means what it says.
function unquote(text: string): string {
  return text.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

// A backslash is doubled wherever unquote would otherwise read it as an escape: before ", \ or n,
// at the end, and before a newline (which becomes \n).
function quote(value: string): string {
  return `"${value.replace(/\\(?=["\\n\n]|$)/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Parses matcher text; throws an Error saying what is wrong (used by the config and the API). */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new Error(`"${text}" is not a matcher; write name="value", name!="value", name=~"regex" or name!~"regex"`);
  const value = m[3] !== undefined ? unquote(m[3]) : (m[4] ?? '');
  const op = m[2] as Matcher['op'];
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(value);
    } catch (err) {
      throw new Error(`"${text}": invalid regular expression: ${(err as Error).message}`);
    }
  }
  return { name: m[1]!, op, value };
}

/** A matcher in config or API input, validated and parsed. */
export const matcherSchema = z.string().max(1000, 'must be at most 1000 characters').transform((text, ctx) => {
  const why = textRefusal(text);
  if (why) {
    ctx.addIssue({ code: 'custom', message: why });
    return z.NEVER;
  }
  try {
    return parseMatcher(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** Formats a matcher back to its text form. */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${quote(m.value)}`;
}

// Regexes are anchored like Alertmanager's, so severity=~"high" does not match "very-high".
const compiled = new Map<string, RegExp>();
function anchored(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether one matcher accepts the labels (a missing label reads as the empty string). */
export function matches(m: Matcher, labels: Record<string, string>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return anchored(m.value).test(v);
    case '!~':
      return !anchored(m.value).test(v);
  }
}

/** Whether every matcher accepts the labels (an empty list matches everything). */
export function matchesAll(ms: Matcher[], labels: Record<string, string>): boolean {
  return ms.every((m) => matches(m, labels));
}

/**
 * The labels an incident is matched on: its own labels plus service, kind, dimension, severity and,
 * once it exists, `incident` (its workflow id, so a silence can target one incident).
 */
export function incidentLabels(i: {
  service: string;
  kind: string;
  dimension: string;
  severity: string;
  labels: Record<string, string>;
  workflowId?: string;
}): Record<string, string> {
  return {
    ...i.labels,
    service: i.service,
    kind: i.kind,
    dimension: i.dimension,
    severity: i.severity,
    ...(i.workflowId ? { incident: i.workflowId } : {}),
  };
}
