import type { Pool } from 'pg';
import { activeSilences, allSilences, createSilence, expireSilence, type StoredSilence } from '../db/silences';
import { VigilError } from '../domain/errors';
import { parseMatcher } from '../domain/matchers';
import { silenceWindow, type SilenceInput } from '../domain/silence-input';
import { toWorkflowId } from './incident-client';

/** Create, list and expire silences: the same operations for the API and the CLI. */
export interface SilenceService {
  create(input: SilenceInput): Promise<StoredSilence>;
  list(all?: boolean): Promise<StoredSilence[]>;
  expire(id: string): Promise<void>;
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
      return createSilence(pool, {
        matchers,
        ...window,
        createdBy: input.createdBy,
        comment: input.comment,
        ...(incident ? { incidentWorkflowId: incident } : {}),
      });
    },
    list: (all = false) => (all ? allSilences(pool) : activeSilences(pool, now(), true)),
    async expire(id) {
      if (!(await expireSilence(pool, id, now()))) {
        throw new VigilError('not_found', `No running silence ${id}. List them with \`vigil silences list\`.`);
      }
    },
  };
}
