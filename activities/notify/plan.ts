import type { Pool } from 'pg';
import { directSilences, type SilenceSource } from '../../db/silence-watch';
import { openIncidentLabels } from '../../db/silences';
import type { VigilConfig } from '../../domain/config';
import { planTargets } from '../../domain/delivery-plan';
import { whoIsOnCall } from '../../domain/oncall';
import { findMute, type Silence } from '../../domain/suppression';
import type { DeliveryPlan, PlanInput } from './types';

export interface PlanDeps {
  pool: Pool;
  config: VigilConfig;
  now?: () => number;
  /** Where stored silences come from (default: read from Postgres for every step). */
  silences?: SilenceSource;
}

/**
 * Decides, at the moment a step is due, whether it is muted (silences from the config and the
 * database, inhibition by other open incidents) and otherwise who it reaches (users, on-call).
 */
export function createPlanActivity(deps: PlanDeps): (input: PlanInput) => Promise<DeliveryPlan> {
  const configSilences: Silence[] = deps.config.silences.map((s, i) => ({ id: `config#${i}`, ...s }));
  const silences = deps.silences ?? directSilences(deps.pool);
  return async ({ view, targets, at }) => {
    const now = Math.max(at ?? 0, deps.now?.() ?? Date.now());
    const stored = await silences.active(now);
    const open = deps.config.inhibitRules.length > 0 ? await openIncidentLabels(deps.pool) : [];
    const mute = findMute(view, [...configSilences, ...stored], deps.config.inhibitRules, open, now, deps.config.incidents.muteRecheck);
    if (mute) return { suppressed: mute };
    return planTargets(targets, {
      channels: deps.config.channels,
      users: deps.config.users,
      onCall: (name) => {
        const schedule = deps.config.schedules[name];
        return schedule ? whoIsOnCall(schedule, now) : null;
      },
    });
  };
}
