import type { Pool } from 'pg';
import { activeSilences, allSilences, createSilence, expireSilence, silenceById, type StoredSilence } from '../db/silences';
import { VigilError } from '../domain/errors';
import { parseMatcher } from '../domain/matchers';
import { silenceWindow, type SilenceInput } from '../domain/silence-input';
import { toWorkflowId } from './incident-client';
import { audited } from './auth/admin';

/** Create, list and expire silences: the same operations for the API and the CLI. */
export interface SilenceService {
  create(input: SilenceInput): Promise<StoredSilence>;
  list(all?: boolean): Promise<StoredSilence[]>;
  /** One silence, running or not; undefined when there is none. */
  get(id: string): Promise<StoredSilence | undefined>;
  /** Ends a running silence now; `by` is recorded in the audit trail. */
  expire(id: string, by: string): Promise<void>;
}

export function createSilenceService(pool: Pool, now: () => number = Date.now): SilenceService {
  return {
    async create(input) {
      const window = silenceWindow(input, now());
      if ('error' in window) {
        throw new VigilError('invalid_input', `${window.field} ${window.error}`, { issues: [{ field: window.field, message: window.error }] });
      }
      const incident = input.incident ? toWorkflowId(input.incident) : undefined;
      const matchers = incident ? [...input.matchers, parseMatcher(`incident="${incident}"`)] : input.matchers;
      // A silence mutes pages: who made it, and what it mutes, goes into the audit trail with it.
      const payload = { matchers: matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`), startsAt: window.startsAt, endsAt: window.endsAt };
      return audited(pool, input.createdBy, 'admin.silence_created', payload, input.createdBy, (c) =>
        createSilence(c, {
          matchers,
          ...window,
          createdBy: input.createdBy,
          comment: input.comment,
          ...(incident ? { incidentWorkflowId: incident } : {}),
        }),
      );
    },
    list: (all = false) => (all ? allSilences(pool) : activeSilences(pool, now(), true)),
    get: (id) => silenceById(pool, id),
    async expire(id, by) {
      if (!(await audited(pool, by, 'admin.silence_expired', { silenceId: id }, by, (c) => expireSilence(c, id, now())))) {
        throw new VigilError('not_found', `No running silence ${id}. List them with \`vigil silences list\`.`);
      }
    },
  };
}
