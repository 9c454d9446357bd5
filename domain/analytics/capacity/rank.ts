// Capacity recommendations ranked for people: what to act on first comes first.
import type { CapacityPlan } from './planner';

/** Where a service's per-replica capacity came from: the USL fit of its history, or analytics.capacity.perReplicaRps. */
export type CapacitySource = 'usl_fit' | 'config';

/** A capacity plan as stored (capacity_recommendations) and shown: its rank, urgency and the numbers behind it. */
export interface CapacityRecommendation extends CapacityPlan {
  /** 1 = act first, within one Forecast run. */
  rank: number;
  /** 1: more replicas needed within two days; 2: more needed later; 3: can scale down, or hold. */
  priority: 1 | 2 | 3;
  perReplicaRps: number;
  capacitySource: CapacitySource;
  /** The highest forecast load (80 % upper bound, req/s) the plan was made for. */
  forecastPeakRps: number;
}

const KIND_ORDER: Record<CapacityPlan['kind'], number> = { scale_up: 0, scale_down: 1, hold: 2 };
const URGENT_MS = 48 * 3_600_000;

/**
 * Ranks plans: scale-ups by how soon they are needed (a shortfall in two days is priority 1), then
 * scale-downs by the money they save, then holds; ties by the replica gap, then by name.
 */
export function rankCapacity(plans: ReadonlyArray<Omit<CapacityRecommendation, 'rank' | 'priority'>>, asOf: number): CapacityRecommendation[] {
  const priority = (p: CapacityPlan): 1 | 2 | 3 => (p.kind !== 'scale_up' ? 3 : p.from !== null && Date.parse(p.from) - asOf <= URGENT_MS ? 1 : 2);
  const when = (p: CapacityPlan) => (p.from === null ? Infinity : Date.parse(p.from));
  const gap = (p: CapacityPlan) => Math.abs(p.replicasNeeded - p.currentReplicas);
  return [...plans]
    .map((p) => ({ ...p, priority: priority(p) }))
    .sort(
      (a, b) =>
        a.priority - b.priority ||
        KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
        when(a) - when(b) ||
        (a.kind === 'scale_down' ? (a.monthlyCostDeltaUsd ?? 0) - (b.monthlyCostDeltaUsd ?? 0) : 0) ||
        gap(b) - gap(a) ||
        a.service.localeCompare(b.service),
    )
    .map((p, i) => ({ ...p, rank: i + 1 }));
}
