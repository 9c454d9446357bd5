import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreActivities } from '../../activities/store';
import { ledgerRows, sendOnce } from '../../db/notification-ledger';
import type { TimelineEntry } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import { connectServices, type Services } from '../support/integration';

let services: Services;
beforeAll(async () => {
  services = await connectServices();
});
afterAll(async () => services?.close());

function view(id: string, over: Partial<IncidentView> = {}): IncidentView {
  return {
    workflowId: `incident/${id}`, incidentId: `run-${id}`, fingerprint: id, service: 'poison-rag', kind: 'quality_sla',
    dimension: '', severity: 'medium', title: 'quality low', details: {}, labels: {}, status: 'triggered', openedAt: 1_700_000_000_000,
    episode: 1, occurrences: 1, acknowledged: null, resolved: null, snoozedUntil: null, level: 'level 1', uiUrl: null, messages: [], revision: 1, ...over,
  };
}
const entry = (seq: number, text: string, data?: TimelineEntry['data']): TimelineEntry => ({ seq, at: 1_700_000_000_000 + seq, type: 'note', actor: 'a\u0000b', text, ...(data ? { data } : {}) });

describe('a projection Postgres refuses for its data', () => {
  it('is recorded once, stored with the characters replaced, and later changes of the incident still land', async () => {
    const store = createStoreActivities({ pool: services.pool });
    const id = `p${Date.now()}`;
    // NUL in text (22021), a lone surrogate (no UTF-8) and NUL inside jsonb (22P05): each fails the same way every time.
    await store.projectIncident({
      view: view(id, { title: 'p95 \u0000 over', labels: { 'te\u0000am': 'se\uD800arch' }, details: { impact: 'x\u0000y' } }),
      lastSeq: 3,
      events: [entry(1, 'opened'), entry(2, 'note with \u0000 in it', { step: 'a\u0000' }), entry(3, 'lone \uDC00 surrogate')],
    });
    const row = (await services.pool.query('SELECT title, labels, details, last_seq FROM incidents WHERE incident_id = $1', [`run-${id}`])).rows[0];
    expect(row).toMatchObject({ title: 'p95 \uFFFD over', labels: { 'te\uFFFDam': 'se\uFFFDarch' }, details: { impact: 'x\uFFFDy' }, last_seq: 3 });
    const events = (await services.pool.query('SELECT seq, actor, text FROM incident_events WHERE incident_id = $1 ORDER BY seq', [`run-${id}`])).rows;
    expect(events.map((e) => e.text)).toEqual(['opened', 'note with \uFFFD in it', 'lone \uFFFD surrogate']);
    const failures = (await services.pool.query('SELECT last_seq, recovered, error FROM projection_failures WHERE incident_id = $1', [`run-${id}`])).rows;
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ last_seq: 3, recovered: true });
    expect(failures[0].error).toMatch(/invalid byte sequence|unsupported Unicode escape|0x00/);

    // The next change is clean and lands as usual, recording nothing.
    await store.projectIncident({ view: view(id, { status: 'resolved', resolved: { by: 'bob', at: 1_700_000_100_000, reason: '' }, title: 'p95 over' }), lastSeq: 4, events: [{ ...entry(4, 'resolved'), actor: 'bob' }] });
    const after = (await services.pool.query('SELECT status, resolved_by, last_seq FROM incidents WHERE incident_id = $1', [`run-${id}`])).rows[0];
    expect(after).toEqual({ status: 'resolved', resolved_by: 'bob', last_seq: 4 });
    expect((await services.pool.query('SELECT count(*)::int AS n FROM projection_failures WHERE incident_id = $1', [`run-${id}`])).rows[0].n).toBe(1);
  });
});

describe('a provider answer Postgres cannot store', () => {
  it('is marked sent with the characters replaced, so the step is never sent again (the mail sent five times)', async () => {
    const key = { workflowId: `incident/m${Date.now()}`, runId: 'run-m', step: '1.e1.p0.l1', target: 'mail' };
    let sends = 0;
    const send = async () => {
      sends++;
      return { detail: 'mailed a\u0000b@example.com', ref: { messageId: '<x\u0000@vigil>' } };
    };
    const first = await sendOnce(services.pool, key, 'email', send);
    const again = await sendOnce(services.pool, key, 'email', send);
    expect(sends).toBe(1);
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ duplicate: true, result: { detail: 'mailed a\uFFFDb@example.com', ref: { messageId: '<x\uFFFD@vigil>' } } });
    expect((await ledgerRows(services.pool, key.workflowId)).map((r) => r.status)).toEqual(['sent']);
  });
});
