// Open/clear hysteresis per SLA check, so a flapping metric neither pages nor resolves on every window.
// Pure, plain JSON and free of zod: the ServiceMonitor workflow carries the state across continue-as-new.
import type { ServiceSla } from './sla-config';

/** Where one check stands: whether its incident is open, and how many breaching / clear windows in a row it has seen. */
export interface CheckHysteresis {
  open: boolean;
  breachStreak: number;
  clearStreak: number;
}

/** Hysteresis per check key (see `checkKey`); a closed check with no breach streak has no entry, so the state stays small. */
export type HysteresisState = Record<string, CheckHysteresis>;

/** What the caller does with this window: open an incident, add an occurrence to it, auto-resolve it, or nothing. */
export type HysteresisDecision = 'open' | 'occurrence' | 'clear' | 'none';

/** The hysteresis key of a check: "kind/dimension", e.g. "response_time_sla/p95". */
export function checkKey(kind: string, dimension: string): string {
  return `${kind}/${dimension}`;
}

/**
 * One window's verdict for one check. Opens after `openAfter` breaching windows in a row; while open each breach is an
 * occurrence and any breach restarts the clear count; clears after `resolveAfter` clear windows in a row.
 * `null` (not enough data) leaves everything as it was: no data is neither evidence of trouble nor of recovery.
 */
export function stepHysteresis(
  state: HysteresisState,
  key: string,
  breached: boolean | null,
  sla: Pick<ServiceSla, 'openAfter' | 'resolveAfter'>,
): { state: HysteresisState; decision: HysteresisDecision } {
  if (breached === null) return { state, decision: 'none' };
  const was = state[key] ?? { open: false, breachStreak: 0, clearStreak: 0 };
  let next: CheckHysteresis;
  let decision: HysteresisDecision = 'none';
  if (breached) {
    next = { open: was.open, breachStreak: was.breachStreak + 1, clearStreak: 0 };
    if (was.open) {
      decision = 'occurrence';
    } else if (next.breachStreak >= sla.openAfter) {
      next.open = true;
      decision = 'open';
    }
  } else {
    next = { open: was.open, breachStreak: 0, clearStreak: was.clearStreak + 1 };
    if (was.open && next.clearStreak >= sla.resolveAfter) {
      next = { open: false, breachStreak: 0, clearStreak: 0 };
      decision = 'clear';
    }
  }
  const rest = Object.fromEntries(Object.entries(state).filter(([k]) => k !== key));
  return { state: next.open || next.breachStreak > 0 ? { ...rest, [key]: next } : rest, decision };
}
