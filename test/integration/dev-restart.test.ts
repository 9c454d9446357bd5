import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPLIANCE_AUDIT_SCHEDULE, MODEL_TRAINING_SCHEDULE } from '../../app/schedules';
import { connectClient } from '../../app/temporal-connection';
import { freePort } from '../../cli/stack/ports';
import { spawnVigil, type VigilProcess } from '../support/processes';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-dev-'));
fs.chmodSync(dataDir, 0o755);
const running: VigilProcess[] = [];

afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function vigil(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const p = spawnVigil(args, env);
  const { code } = await p.exited;
  if (code !== 0) throw new Error(`vigil ${args.join(' ')} exited ${code}:\n${p.output()}`);
  return p.output();
}

describe('npm start (vigil dev)', () => {
  it('serves the Web UI, stops cleanly on Ctrl-C, and finds the open incident again after a restart', async () => {
    const env = {
      VIGIL_DATA_DIR: dataDir,
      VIGIL_PG_PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      VIGIL_API_PORT: String(await freePort()),
    };
    const first = spawnVigil(['dev'], env);
    running.push(first);
    await first.waitFor(/Vigil is running/, 90_000);
    expect(first.output()).toContain(`http://localhost:${env.TEMPORAL_UI_PORT}`);
    const ui = await fetch(`http://localhost:${env.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<html/i);
    const health = await fetch(`http://127.0.0.1:${env.VIGIL_API_PORT}/healthz`);
    expect(await health.json()).toMatchObject({ ok: true, postgres: true, temporal: true });
    // The Schedules exist (visible in the Web UI) and start the right workflows.
    const client = await connectClient({ address: `127.0.0.1:${env.TEMPORAL_PORT}`, namespace: 'default' }, {});
    try {
      const schedule = await client.schedule.getHandle(MODEL_TRAINING_SCHEDULE).describe();
      expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'modelTrainingWorkflow' });
      // So does the daily compliance audit (the scheduled compliance report).
      const audit = await client.schedule.getHandle(COMPLIANCE_AUDIT_SCHEDULE).describe();
      expect(audit.action).toMatchObject({ type: 'startWorkflow', workflowType: 'complianceAuditWorkflow' });
    } finally {
      await client.connection.close();
    }

    const raised = await vigil(['trigger', '--service', 'restart-rag', '--severity', 'critical'], env);
    const workflowId = /incident\/[0-9a-f]{16}/.exec(raised)![0];
    for (let i = 0; i < 50 && !(await vigil(['incidents', 'list'], env)).includes('restart-rag'); i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await vigil(['incidents', 'list'], env)).toMatch(/critical\s+triggered\s+restart-rag/);

    first.child.kill('SIGINT');
    expect((await first.exited).code).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'dev', 'dev.json'))).toBe(false);

    const second = spawnVigil(['dev'], env);
    running.push(second);
    await second.waitFor(/Vigil is running/, 90_000);
    const shown = await vigil(['incidents', 'show', workflowId], env);
    expect(shown).toMatch(/\[critical\] triggered\s+\(open, live from Temporal\)/);
    expect(shown).toMatch(/opened\s+Opened: p95 response time/);
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
  });
});
