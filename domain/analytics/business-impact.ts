// Business impact from configured assumptions (analytics.assumptions). Each figure carries the
// assumptions and inputs that produced it, and a figure whose assumptions are not all configured
// is left out entirely: an invented default would be read as a fact.
import type { Assumptions } from './config-schema';

/** One impact figure, with what it was computed from. */
export interface ImpactFigure {
  name: 'productivity_value' | 'revenue_value' | 'outage_cost' | 'spend_vs_budget';
  label: string;
  valueUsd: number;
  formula: string;
  assumptions: Partial<Assumptions>;
  inputs: Record<string, number>;
}

/** What the period measured: successful answers, minutes of outage (unavailable time), spend. */
export interface ImpactInputs {
  successfulAnswers: number;
  /** Minutes of judged timeslices that failed availability-wise; here: bad timeslices × slice minutes. */
  outageMinutes: number;
  spendUsd: number;
  periodDays: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function businessImpact(a: Assumptions, i: ImpactInputs): ImpactFigure[] {
  const out: ImpactFigure[] = [];
  if (a.minutesSavedPerAnswer !== undefined && a.loadedHourlyCostUsd !== undefined) {
    out.push({
      name: 'productivity_value',
      label: 'Time saved by successful answers',
      valueUsd: round2(((i.successfulAnswers * a.minutesSavedPerAnswer) / 60) * a.loadedHourlyCostUsd),
      formula: 'successful answers × minutes saved per answer ÷ 60 × loaded hourly cost',
      assumptions: { minutesSavedPerAnswer: a.minutesSavedPerAnswer, loadedHourlyCostUsd: a.loadedHourlyCostUsd },
      inputs: { successfulAnswers: i.successfulAnswers },
    });
  }
  if (a.valuePerResolvedQueryUsd !== undefined) {
    out.push({
      name: 'revenue_value',
      label: 'Value of resolved queries',
      valueUsd: round2(i.successfulAnswers * a.valuePerResolvedQueryUsd),
      formula: 'successful answers × value per resolved query',
      assumptions: { valuePerResolvedQueryUsd: a.valuePerResolvedQueryUsd },
      inputs: { successfulAnswers: i.successfulAnswers },
    });
  }
  if (a.outageMinuteCostUsd !== undefined) {
    out.push({
      name: 'outage_cost',
      label: 'Cost of SLA-breaching minutes',
      valueUsd: round2(i.outageMinutes * a.outageMinuteCostUsd),
      formula: 'minutes in timeslices breaching an SLA × cost of an outage minute',
      assumptions: { outageMinuteCostUsd: a.outageMinuteCostUsd },
      inputs: { outageMinutes: i.outageMinutes },
    });
  }
  if (a.monthlyBudgetUsd !== undefined) {
    const budget = (a.monthlyBudgetUsd * i.periodDays) / 30;
    out.push({
      name: 'spend_vs_budget',
      label: 'Spend against the budget for the period',
      valueUsd: round2(i.spendUsd - budget),
      formula: 'spend − monthly budget × period days ÷ 30 (negative: under budget)',
      assumptions: { monthlyBudgetUsd: a.monthlyBudgetUsd },
      inputs: { spendUsd: round2(i.spendUsd), periodDays: i.periodDays },
    });
  }
  return out;
}
