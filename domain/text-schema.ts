import { z } from 'zod';
import { LINE_PATTERN, TEXT_PATTERN, textRefusal, type TextKind } from './text';

interface TextOptions {
  /** Longest accepted length, in UTF-16 code units (what zod and JavaScript count). */
  max: number;
  /** Shortest accepted length (default 0); counted after trimming when `trim` is set. */
  min?: number;
  /** Message when shorter than `min`. */
  minMessage?: string;
  /** Trim surrounding whitespace before checking (and in the output). */
  trim?: boolean;
}

function textSchema(kind: TextKind, o: TextOptions) {
  const base = o.trim ? z.string().trim() : z.string();
  const sized = (o.min ? base.min(o.min, o.minMessage ?? 'must not be empty') : base).max(o.max, `must be at most ${o.max} characters`);
  // The pattern only documents the rule in /openapi.json; the refinement enforces it, with the reason.
  return sized
    .superRefine((s, ctx) => {
      const why = textRefusal(s, kind);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    })
    .meta({ pattern: kind === 'line' ? LINE_PATTERN : TEXT_PATTERN });
}

/** Free text (titles, comments, notes): bounded, no NUL, lone surrogates or control characters except \t \n \r. */
export function safeText(o: TextOptions) {
  return textSchema('text', o);
}

/** Single-line text (actors, ids, label values shown inline): as safeText, and no tabs or line breaks. */
export function safeLine(o: TextOptions) {
  return textSchema('line', o);
}
