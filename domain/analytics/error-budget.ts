// The availability error budget over an SLO window (Google SRE workbook, ch. 5): the window may
// fail (1 − objective) of its requests; what failed so far is the budget consumed.

/** Budget figures as of the end of a slot; null where the window had no requests to judge. */
export interface ErrorBudget {
  /** Share of the window's budget spent (above 1: overspent). */
  consumed: number | null;
  /** 1 − consumed (negative when overspent). */
  remaining: number | null;
  /** Burn rate over the slot: 1 spends the budget exactly over the SLO window. */
  burnRate: number | null;
  /** Hours until the remaining budget is gone at the slot's burn rate; null when it is not burning; 0 when already gone. */
  exhaustionHours: number | null;
}

/** Requests and errors over the SLO window ending with the slot, and over the slot alone. */
export interface BudgetInput {
  windowRequests: number;
  windowErrors: number;
  slotRequests: number;
  slotErrors: number;
  sloWindowMs: number;
  /** Availability objective, e.g. 0.999. */
  objective: number;
}

export function errorBudget(i: BudgetInput): ErrorBudget {
  const allowedRatio = 1 - i.objective;
  if (i.windowRequests <= 0) return { consumed: null, remaining: null, burnRate: null, exhaustionHours: null };
  const consumed = i.windowErrors / (allowedRatio * i.windowRequests);
  const remaining = 1 - consumed;
  const burnRate = i.slotRequests > 0 ? i.slotErrors / i.slotRequests / allowedRatio : null;
  let exhaustionHours: number | null = null;
  if (remaining <= 0) exhaustionHours = 0;
  // At burn b the whole budget lasts window/b, so what is left lasts remaining·window/b.
  else if (burnRate !== null && burnRate > 0) exhaustionHours = (remaining * i.sloWindowMs) / burnRate / 3_600_000;
  return { consumed, remaining, burnRate, exhaustionHours };
}
