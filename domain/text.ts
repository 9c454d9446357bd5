/**
 * The edge policy for text: what Postgres text/jsonb and the channels cannot carry. Plain functions
 * (no zod), so workflow validators can use them too; domain/text-schema.ts wraps them for zod.
 */

/** NUL: Postgres text and jsonb refuse it (22021 / 22P05). */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this must find
const NUL = /\u0000/;
/** A UTF-16 surrogate without its partner: it has no UTF-8 form. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** C0 controls and DEL other than tab, newline and carriage return: invisible, and they break terminals and chat. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this must find
const CONTROL = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** Any line break or tab: not allowed in single-line names. */
const LINE_BREAK = /[\t\n\r\u2028\u2029]/;

/** How strict: free text may hold tabs and line breaks, a single line may not. */
export type TextKind = 'text' | 'line';

/** Why the text cannot be stored or sent, or null when it can. */
export function textRefusal(text: string, kind: TextKind = 'text'): string | null {
  if (NUL.test(text)) return 'must not contain NUL (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone UTF-16 surrogate (invalid Unicode)';
  if (CONTROL.test(text)) return 'must not contain control characters';
  if (kind === 'line' && LINE_BREAK.test(text)) return 'must be one line (no tabs or line breaks)';
  return null;
}

// eslint-disable-next-line no-control-regex -- the union of what textRefusal refuses in free text
const UNSAFE_GLOBAL = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** The replacement character that marks where sanitised text lost a character. */
export const REPLACEMENT = '\uFFFD';

/**
 * Replaces every character textRefusal would refuse in free text with U+FFFD, visibly; for senders
 * that cannot be refused (Alertmanager). Idempotent, and the result always passes textRefusal(_, 'text').
 */
export function sanitizeText(text: string): string {
  return text.replace(UNSAFE_GLOBAL, REPLACEMENT);
}

// What sanitizeText replaces, and tabs and line breaks too: a single line must stay one line.
const LINE_UNSAFE_GLOBAL = new RegExp(`${UNSAFE_GLOBAL.source}|[\\t\\n\\r\\u2028\\u2029]`, 'g');

/**
 * sanitizeText for single-line text (names shown inline, actors): line breaks and tabs are replaced
 * with U+FFFD too. Idempotent, and the result always passes textRefusal(_, 'line').
 */
export function sanitizeLine(text: string): string {
  return text.replace(LINE_UNSAFE_GLOBAL, REPLACEMENT);
}

/**
 * At most `max` UTF-16 code units, never ending on half a surrogate pair (a cut pair would be a lone
 * surrogate, which the policy refuses).
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** "<field> <reason>" when the text is refused, else null: how every edge names what it refused. */
export function fieldRefusal(field: string, text: string, kind: TextKind = 'text'): string | null {
  const why = textRefusal(text, kind);
  return why ? `${field} ${why}` : null;
}

/** JSON Schema `pattern` of what safeText accepts, short of lone surrogates (a pattern cannot say that portably). */
export const TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';
/** JSON Schema `pattern` of what safeLine accepts, short of lone surrogates. */
export const LINE_PATTERN = '^[^\\u0000-\\u001F\\u007F\\u2028\\u2029]*$';
