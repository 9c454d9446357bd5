// Replicas needed against a forecast peak, with headroom, from which date, and what it costs.

export interface CapacityInput {
  service: string;
  /** Sustainable requests/s of one replica: the USL fit's peak (or a config override), times a safety factor. */
  perReplicaRps: number;
  currentReplicas: number;
  /** Forecast peak per step (req/s), e.g. the 80 % upper bound of hourly requests ÷ 3600. */
  forecastPeakRps: readonly number[];
  start: number;
  stepMs: number;
  /** 0.3: plan so that the peak uses at most 1/1.3 of capacity. */
  headroom: number;
  costPerReplicaHourUsd?: number;
}

export interface CapacityPlan {
  service: string;
  kind: 'scale_up' | 'scale_down' | 'hold';
  replicasNeeded: number;
  currentReplicas: number;
  /** When the need first exceeds the current replicas (scale_up), ISO; null otherwise. */
  from: string | null;
  /** Monthly cost change (730 h) of the new replica count; null without a configured replica cost. */
  monthlyCostDeltaUsd: number | null;
  text: string;
}

export function planCapacity(i: CapacityInput): CapacityPlan {
  const need = (rps: number) => Math.max(1, Math.ceil((rps * (1 + i.headroom)) / i.perReplicaRps));
  const needs = i.forecastPeakRps.map(need);
  const replicasNeeded = Math.max(1, ...needs);
  const firstOver = needs.findIndex((n) => n > i.currentReplicas);
  // Scale down only with a margin of a whole replica, so a plan does not flap around the line.
  const kind = replicasNeeded > i.currentReplicas ? 'scale_up' : replicasNeeded < i.currentReplicas - 1 ? 'scale_down' : 'hold';
  const target = kind === 'hold' ? i.currentReplicas : replicasNeeded;
  const monthlyCostDeltaUsd = i.costPerReplicaHourUsd === undefined ? null : Math.round((target - i.currentReplicas) * i.costPerReplicaHourUsd * 730 * 100) / 100;
  const from = kind === 'scale_up' && firstOver >= 0 ? new Date(i.start + firstOver * i.stepMs).toISOString() : null;
  const cost = monthlyCostDeltaUsd === null ? '' : ` (${monthlyCostDeltaUsd >= 0 ? '+' : '−'}$${Math.abs(monthlyCostDeltaUsd).toFixed(2)}/month)`;
  const text =
    kind === 'scale_up'
      ? `${i.service}: scale from ${i.currentReplicas} to ${replicasNeeded} replicas by ${from!.slice(0, 10)}${cost}`
      : kind === 'scale_down'
        ? `${i.service}: ${replicasNeeded} replicas carry the forecast peak with ${Math.round(i.headroom * 100)} % headroom; ${i.currentReplicas} run${cost}`
        : `${i.service}: ${i.currentReplicas} replicas carry the forecast peak`;
  return { service: i.service, kind, replicasNeeded, currentReplicas: i.currentReplicas, from, monthlyCostDeltaUsd, text };
}
