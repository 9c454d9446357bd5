import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../db/audit-log';
import { connectServices, type Services } from '../support/integration';
import { spawnVigil } from '../support/processes';

let services: Services;
beforeAll(async () => {
  services = await connectServices();
});
afterAll(async () => services?.close());

describe('vigil audit', () => {
  it('verify says the chain is ok; erase removes a subject and is itself audited; bad --from exits 2', async () => {
    await appendAudit(services.pool, [
      { kind: 'processing.retrieval', payload: { actor: 'svc-a', system: 'rag' }, personal: { subjectId: 'cli-subject-1', data: { email: 'x@example.com' } } },
      { kind: 'processing.generation', payload: { actor: 'svc-a', system: 'rag' } },
    ]);
    const env = { DATABASE_URL: services.databaseUrl };
    const verify = spawnVigil(['audit', 'verify'], env);
    expect((await verify.exited).code).toBe(0);
    expect(verify.output()).toMatch(/audit trail ok: \d+ entries/);

    const erase = spawnVigil(['audit', 'erase', '--subject', 'cli-subject-1', '--by', 'dpo'], env);
    expect((await erase.exited).code).toBe(0);
    expect(erase.output()).toMatch(/erased 1 personal record\(s\) of the subject; recorded as audit entry \d+/);
    const left = await services.pool.query("SELECT count(*)::int AS n FROM audit_personal WHERE subject_id = 'cli-subject-1'");
    expect(left.rows[0].n).toBe(0);

    const again = spawnVigil(['audit', 'verify'], env);
    expect((await again.exited).code).toBe(0);

    const bad = spawnVigil(['audit', 'verify', '--from', 'yesterday'], env);
    expect((await bad.exited).code).toBe(2);
    expect(bad.output()).toMatch(/--from: "yesterday" is not an entry number/);
  });
});
