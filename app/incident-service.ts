import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { incidentEvents, latestIncident, listIncidents, type IncidentRow, type ListFilter } from '../db/incidents';
import type { VigilConfig } from '../domain/config';
import { mergePolicies, type EscalationPolicy } from '../domain/escalation-policy';
import { incidentLabels } from '../domain/matchers';
import type { IncidentGrouping } from '../domain/delivery/grouping';
import { groupingAt, route, type RouteMatch } from '../domain/routing';
import { VigilError } from '../domain/errors';
import { appendAudit } from '../db/audit-log';
import { fingerprint, incidentWorkflowId } from '../domain/fingerprint';
import type { IncidentState } from '../domain/incident-state';
import type { Violation } from '../domain/violation';
import { conditionClearedSignal, type ActionResult } from '../workflows/incident-messages';
import { VigilStatus } from '../workflows/search-attributes';
import { actOnIncident, getIncidentState, raiseViolation, toWorkflowId, type IncidentAction, type RaiseResult } from './incident-client';

/** An incident as `show` presents it: live workflow state when open, else the stored projection. */
export type IncidentDetail =
  | { source: 'workflow'; state: IncidentState }
  | { source: 'history'; row: IncidentRow; events: Awaited<ReturnType<typeof incidentEvents>> };

/** The service an incident belongs to, whether it is still open (workflow) or closed (history). */
export const serviceOfDetail = (d: IncidentDetail): string => (d.source === 'workflow' ? d.state.service : d.row.service);

/** The operations every entry point (API, CLI, Slack, demo) offers, in one place. */
export interface IncidentService {
  raise(violation: Violation): Promise<RaiseResult>;
  act(id: string, action: IncidentAction, updateId?: string): Promise<ActionResult>;
  show(id: string): Promise<IncidentDetail>;
  list(filter?: ListFilter): Promise<IncidentRow[]>;
  /** Tells the open incident for this (service, kind, dimension) its condition is gone; false when none is open. */
  clear(key: Pick<Violation, 'service' | 'kind' | 'dimension'>, reason: string): Promise<boolean>;
}

/**
 * The policy snapshot a new incident gets: its labels routed through the route tree; several
 * matches (via `continue`) merge into one policy named after all of them.
 */
export function policyFor(config: VigilConfig, violation: Violation): { policyName: string; policy: EscalationPolicy; matches: RouteMatch[] } {
  const matches = route(config.routes, incidentLabels({ ...violation }), config.incidents.defaultPolicy);
  const names = [...new Set(matches.map((m) => m.policy))];
  return { policyName: names.join('+'), policy: mergePolicies(names.map((n) => config.escalationPolicies[n]!)), matches };
}

/**
 * The grouping snapshot a new incident gets: the deepest matching route's settings, keyed by its
 * path (with `continue`, the first of the deepest), or null when that route never groups.
 */
export function groupingFor(config: VigilConfig, matches: RouteMatch[]): IncidentGrouping | null {
  const depth = (m: RouteMatch) => m.path.split('.').length;
  const deepest = matches.reduce<RouteMatch | undefined>((best, m) => (!best || depth(m) > depth(best) ? m : best), undefined);
  if (!deepest) return null;
  const grouping = groupingAt(config.routes, deepest.path);
  return grouping ? { key: deepest.path, ...grouping } : null;
}

/** Wires the Temporal client, the projection database and the config's policy snapshot together. */
export function createIncidentService(deps: { client: Client; pool: Pool; config: VigilConfig }): IncidentService {
  const { client, pool, config } = deps;
  return {
    raise(violation) {
      const { policyName, policy, matches } = policyFor(config, violation);
      return raiseViolation(client, config.temporal.taskQueue, {
        violation,
        policyName,
        policy,
        settings: {
          reopenWindowMs: config.incidents.reopenWindow,
          resolveAfterQuietMs: config.incidents.resolveAfterQuiet ?? null,
          uiUrl: `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}`,
          grouping: groupingFor(config, matches),
          pageStep: config.incidents.pageStep,
        },
      });
    },
    act: async (id, action, updateId) => {
      const result = await actOnIncident(client, id, action, updateId);
      // A person closing an incident by hand is an admin action worth a tamper-evident record.
      if (action.type === 'resolve' && result.changed) {
        await appendAudit(pool, [
          { kind: 'admin.manual_resolve', payload: { incident: toWorkflowId(id) }, personal: { subjectId: `user:${action.by}`, data: { actor: action.by, reason: action.reason ?? null } } },
        ]);
      }
      return result;
    },
    async show(id) {
      try {
        return { source: 'workflow', state: await getIncidentState(client, id) };
      } catch (err) {
        if (!(err instanceof VigilError && err.code === 'not_found')) throw err;
      }
      const row = await latestIncident(pool, toWorkflowId(id));
      if (!row) throw new VigilError('not_found', `No incident ${id}, open or closed. List incidents with \`vigil incidents list --all\`.`);
      return { source: 'history', row, events: await incidentEvents(pool, row.incident_id) };
    },
    list: (filter) => listIncidents(pool, filter),
    async clear(key, reason) {
      const handle = client.workflow.getHandle(incidentWorkflowId(fingerprint(key.service, key.kind, key.dimension)));
      try {
        // A resolved incident's run stays open for the reopen window; clearing it would change nothing.
        const d = await handle.describe();
        if (d.status.name !== 'RUNNING' || d.typedSearchAttributes.get(VigilStatus) === 'resolved') return false;
        await handle.signal(conditionClearedSignal, { reason });
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
  };
}
