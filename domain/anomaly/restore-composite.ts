// Snapshots of detectors built from others (the ensemble, the `stat` vote, the forest on changes): each
// is rebuilt from its members' snapshots, restored by `restoreMember` (restore.ts passes itself, so
// this file needs no list of kinds), and its calibrators relearn the recent scores they held.
import { VigilError } from '../errors';
import type { StreamingDetector } from './detector';
import { createEnsembleDetector, createMaxDetector, withChanges } from './ensemble';

type RestoreMember = (json: unknown) => StreamingDetector;

interface MemberEntry {
  state: unknown;
  recentScores: number[];
}

function objectOf(kind: string, json: unknown): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new VigilError('invalid_input', `cannot restore ${kind}: snapshot is not an object`);
  return json as Record<string, unknown>;
}

function membersOf(kind: string, o: Record<string, unknown>): MemberEntry[] {
  const members = o.members;
  const ok =
    Array.isArray(members) &&
    members.length > 0 &&
    members.every((m) => typeof m === 'object' && m !== null && Array.isArray((m as MemberEntry).recentScores) && (m as MemberEntry).recentScores.every((z) => typeof z === 'number' && Number.isFinite(z)));
  if (!ok) throw new VigilError('invalid_input', `cannot restore ${kind}: members must be a non-empty array of { state, recentScores }`);
  return members as MemberEntry[];
}

const num = (o: Record<string, unknown>, key: string): number | undefined => (typeof o[key] === 'number' ? o[key] : undefined);

/** Rebuilds an ensemble (createEnsembleDetector) from its toJSON() snapshot. */
export function restoreEnsembleDetector(json: unknown, restoreMember: RestoreMember): StreamingDetector {
  const o = objectOf('ensemble', json);
  const members = membersOf('ensemble', o);
  if (o.rule !== 'vote' && o.rule !== 'weighted') throw new VigilError('invalid_input', `cannot restore ensemble: rule must be vote or weighted, got ${JSON.stringify(o.rule)}`);
  return createEnsembleDetector(
    {
      members: members.map((m) => restoreMember(m.state)),
      rule: o.rule,
      minVotes: num(o, 'minVotes'),
      memberThreshold: num(o, 'memberThreshold'),
      weights: Array.isArray(o.weights) ? (o.weights as number[]) : undefined,
      threshold: num(o, 'threshold'),
      calibrationWindow: num(o, 'calibrationWindow'),
      name: typeof o.name === 'string' ? o.name : undefined,
    },
    members.map((m) => m.recentScores),
  );
}

/** Rebuilds a vote of specialists (createMaxDetector, e.g. `stat`) from its toJSON() snapshot. */
export function restoreMaxDetector(json: unknown, restoreMember: RestoreMember): StreamingDetector {
  const o = objectOf('max', json);
  const members = membersOf('max', o);
  if (typeof o.name !== 'string') throw new VigilError('invalid_input', 'cannot restore max: name missing');
  return createMaxDetector(
    o.name,
    members.map((m) => restoreMember(m.state)),
    num(o, 'calibrationWindow'),
    members.map((m) => m.recentScores),
  );
}

/** Rebuilds a detector fed values and their changes (withChanges) from its toJSON() snapshot. */
export function restoreWithChanges(json: unknown, restoreMember: RestoreMember): StreamingDetector {
  const o = objectOf('with-changes', json);
  const previous = o.previous;
  if (previous !== null && !(Array.isArray(previous) && previous.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
    throw new VigilError('invalid_input', 'cannot restore with-changes: previous must be null or an array of finite numbers');
  }
  return withChanges(restoreMember(o.inner), previous ?? undefined);
}
