/**
 * A digest's message ref, as every member's MessageRef carries it: the provider's own fields (Slack:
 * channel, ts) plus `digest: '1'`, `members` (workflow ids) and `runs` (their first run ids, in the
 * same order), comma-joined — so any member's change can re-render the whole digest.
 */
export type DigestRef = Record<string, string>;

/** One incident in a digest: its workflow id and the run chain the digest paged. */
export interface DigestMemberId {
  workflowId: string;
  incidentId: string;
}

export const isDigestRef = (ref: Record<string, string>): boolean => ref.digest === '1';

/** The provider ref plus who is in the digest. */
export function digestRef(provider: Record<string, string>, members: DigestMemberId[]): DigestRef {
  return { ...provider, digest: '1', members: members.map((m) => m.workflowId).join(','), runs: members.map((m) => m.incidentId).join(',') };
}

/** The members a digest ref names (workflow ids and run ids contain no commas). */
export function digestMembersOf(ref: DigestRef): DigestMemberId[] {
  const ids = (ref.members ?? '').split(',').filter(Boolean);
  const runs = (ref.runs ?? '').split(',');
  return ids.map((workflowId, i) => ({ workflowId, incidentId: runs[i] ?? '' }));
}

/**
 * The queue's name for the digest message (QueuedSend.message, and the ledger's workflow id for its
 * edits): every send that edits it runs one at a time, and its refreshes coalesce into one.
 */
export const digestMessage = (ref: DigestRef): string => `digest|${ref.channel ?? ''}|${ref.ts ?? ''}`;
