import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { VigilError } from '../domain/errors';
import { fingerprint, incidentWorkflowId } from '../domain/fingerprint';
import type { IncidentState } from '../domain/incident-state';
import { summaryLine } from '../domain/incident-view';
import type { Violation } from '../domain/violation';
import type { incidentWorkflow } from '../workflows/incident';
import {
  acknowledgeUpdate,
  addNoteUpdate,
  escalateNowUpdate,
  occurrenceFromViolation,
  occurrenceSignal,
  PAGE_PATH,
  resolveUpdate,
  snoozeUpdate,
  stateQuery,
  type ActionResult,
  type IncidentWorkflowInput,
} from '../workflows/incident-messages';
import { VigilKind, VigilService, VigilSeverity, VigilStatus } from '../workflows/search-attributes';

/** What raising a violation did: which incident it landed in and whether that run is new. */
export interface RaiseResult {
  workflowId: string;
  runId: string;
  fingerprint: string;
}

/** Fingerprints raised lately through each client, so a repeat goes straight to signal-with-start. */
const RECENT_MAX = 10_000;
const recentByClient = new WeakMap<Client, Set<string>>();

/** Whether fp was raised lately through this client; remembers it either way. */
function raisedLately(client: Client, fp: string): boolean {
  let recent = recentByClient.get(client);
  if (!recent) recentByClient.set(client, (recent = new Set()));
  const seen = recent.delete(fp);
  recent.add(fp);
  if (recent.size > RECENT_MAX) recent.delete(recent.values().next().value!);
  return seen;
}

/**
 * Reports a violation: starts `incident/<fingerprint>` if no run is open, otherwise signals the
 * open one. A new incident is a plain start (the violation counted as its first occurrence): the
 * cheapest way to open a workflow, and a new incident in a storm is what must page fast. If a run is
 * open (the start is refused, or this process raised the fingerprint lately), signal-with-start adds
 * the occurrence atomically, starting a new run if that one closed meanwhile. Either way concurrent
 * reports never open two incidents: the server admits one running workflow per ID.
 */
export async function raiseViolation(
  client: Client,
  taskQueue: string,
  input: Omit<IncidentWorkflowInput, 'carried'>,
): Promise<RaiseResult> {
  const v = input.violation;
  const fp = fingerprint(v.service, v.kind, v.dimension);
  const workflowId = incidentWorkflowId(fp);
  const options = {
    workflowId,
    taskQueue,
    // A closed incident's ID may be reused: a violation after the reopen window opens a new incident.
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    typedSearchAttributes: [
      { key: VigilService, value: v.service },
      { key: VigilKind, value: v.kind },
      { key: VigilSeverity, value: v.severity },
      { key: VigilStatus, value: 'triggered' },
    ],
    // The line the workflow would publish first, so it need not (one history event and one visibility write fewer).
    memo: { summary: summaryLine({ severity: v.severity, service: v.service, kind: v.kind, title: v.title, status: 'triggered', acknowledged: null, resolved: null }) },
  };
  if (!raisedLately(client, fp)) {
    try {
      const handle = await client.workflow.start<typeof incidentWorkflow>('incidentWorkflow', { ...options, args: [{ ...input, pagePath: PAGE_PATH, firstOccurrence: true }] });
      return { workflowId, runId: handle.firstExecutionRunId, fingerprint: fp };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  const handle = await client.workflow.signalWithStart<typeof incidentWorkflow, [ReturnType<typeof occurrenceFromViolation>]>('incidentWorkflow', {
    ...options,
    args: [{ ...input, pagePath: PAGE_PATH }],
    signal: occurrenceSignal,
    signalArgs: [occurrenceFromViolation(v)],
  });
  return { workflowId, runId: handle.signaledRunId, fingerprint: fp };
}

/** Accepts a fingerprint, "incident/<fingerprint>", or a full workflow ID. */
export function toWorkflowId(idOrFingerprint: string): string {
  return idOrFingerprint.startsWith('incident/') ? idOrFingerprint : incidentWorkflowId(idOrFingerprint);
}

export type IncidentAction =
  | { type: 'acknowledge'; by: string }
  | { type: 'resolve'; by: string; reason?: string }
  | { type: 'snooze'; by: string; until: string | number }
  | { type: 'escalate'; by: string }
  | { type: 'note'; by: string; text: string };

function updateFor(action: IncidentAction) {
  switch (action.type) {
    case 'acknowledge':
      return { def: acknowledgeUpdate, arg: { by: action.by } };
    case 'resolve':
      return { def: resolveUpdate, arg: { by: action.by, ...(action.reason ? { reason: action.reason } : {}) } };
    case 'snooze':
      return { def: snoozeUpdate, arg: { by: action.by, until: action.until } };
    case 'escalate':
      return { def: escalateNowUpdate, arg: { by: action.by } };
    case 'note':
      return { def: addNoteUpdate, arg: { by: action.by, text: action.text } };
  }
}

function notFound(id: string): VigilError {
  return new VigilError('not_found', `No open incident ${id}. List open incidents with \`vigil incidents list\`.`, { id });
}

async function openHandle(client: Client, id: string): Promise<WorkflowHandle<typeof incidentWorkflow>> {
  const workflowId = toWorkflowId(id);
  const handle = client.workflow.getHandle<typeof incidentWorkflow>(workflowId);
  try {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') throw notFound(id);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(id);
    throw err;
  }
  return handle;
}

/**
 * Performs a human action as a workflow Update. A refusal by the workflow's validator becomes a
 * VigilError('invalid_state') carrying the workflow's own explanation.
 */
export async function actOnIncident(client: Client, id: string, action: IncidentAction, updateId?: string): Promise<ActionResult> {
  const handle = await openHandle(client, id);
  const { def, arg } = updateFor(action);
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the union of update defs is not callable as one overload
    return await handle.executeUpdate(def as any, { args: [arg], ...(updateId ? { updateId } : {}) }) as ActionResult;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new VigilError('invalid_state', err.cause?.message ?? err.message, { id });
    }
    if (err instanceof WorkflowNotFoundError) throw notFound(id);
    throw err;
  }
}

/** The live state of an open incident. */
export async function getIncidentState(client: Client, id: string): Promise<IncidentState> {
  const handle = await openHandle(client, id);
  return handle.query(stateQuery);
}

export type { Violation };
