import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { getExperiment } from '../../db/experiments';
import { experimentWorkflowId } from '../../domain/experiments/definition';
import { connectServices, type Services } from '../support/integration';
import { spawnVigil, type VigilProcess } from '../support/processes';

// `vigil worker` as its own process, against the shared dev server and Postgres, started twice with
// the same config: the experiment it lists is created by the first start and left alone by the second;
// a third start with an edited definition warns and changes nothing.
let services: Services;
let dir: string;
const procs: VigilProcess[] = [];
const NAME = `cfg-xp-${randomUUID().slice(0, 8)}`;
const TASK_QUEUE = `it-xpcfg-${randomUUID()}`;
const XP = {
  name: NAME,
  service: 'cfg-rag',
  variants: [{ name: 'control', weight: 50 }, { name: 'rerank', weight: 50 }],
  primary: 'quality',
  guardrails: [{ metric: 'p95_latency', margin: 0.1 }],
  mde: 0.05,
  unitsPerDay: 5000,
};

function writeConfig(experiments: object[]): NodeJS.ProcessEnv {
  const file = path.join(dir, 'vigil.config.yaml');
  fs.writeFileSync(file, stringify({ temporal: { taskQueue: TASK_QUEUE, mlTaskQueue: `${TASK_QUEUE}-ml` }, anomalyDetection: { enabled: false }, experiments }));
  return { VIGIL_CONFIG: file, DATABASE_URL: services.databaseUrl, TEMPORAL_ADDRESS: services.temporalAddress };
}

/** Starts `vigil worker`, waits until it polls (configured experiments are settled before that), stops it. */
async function startAndStop(env: NodeJS.ProcessEnv): Promise<string> {
  const p = spawnVigil(['worker', '--queues', 'core'], env);
  procs.push(p);
  await p.waitFor(/worker polling/, 90_000);
  p.child.kill('SIGTERM');
  await p.exited;
  return p.output();
}

beforeAll(async () => {
  services = await connectServices();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-xpcfg-'));
});

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await services?.client.workflow.getHandle(experimentWorkflowId(NAME)).terminate('test over').catch(() => undefined);
  await services?.pool.query('DELETE FROM experiments WHERE name = $1', [NAME]).catch(() => undefined);
  await services?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('experiments: in vigil.config.yaml', () => {
  it('a bad definition stops the worker with exit 2 naming the field, before anything is created', async () => {
    const p = spawnVigil(['worker'], writeConfig([{ ...XP, variants: [{ name: 'control', weight: 1 }] }]));
    procs.push(p);
    expect((await p.exited).code).toBe(2);
    expect(p.output()).toMatch(/experiments\.0\.variants: needs a control and at least one treatment/);
    expect(await getExperiment(services.pool, NAME)).toBeNull();
  });

  it('is created by the first start and left alone by the second; an edited definition is not applied', async () => {
    const env = writeConfig([XP]);
    await startAndStop(env);
    const first = await getExperiment(services.pool, NAME);
    expect(first).toMatchObject({ createdBy: 'config', status: 'running', definition: { name: NAME, variants: XP.variants, mde: 0.05 } });
    const run1 = await services.client.workflow.getHandle(experimentWorkflowId(NAME)).describe();
    expect(run1.status.name).toBe('RUNNING');
    expect(run1.taskQueue).toBe(TASK_QUEUE);

    const out2 = await startAndStop(env);
    expect(out2).not.toMatch(/differs from the stored one/);
    const second = await getExperiment(services.pool, NAME);
    expect(second!.createdAt).toBe(first!.createdAt);
    const run2 = await services.client.workflow.getHandle(experimentWorkflowId(NAME)).describe();
    // The same run: the second start neither restarted the workflow nor started another.
    expect(run2.runId).toBe(run1.runId);
    expect(run2.status.name).toBe('RUNNING');

    const out3 = await startAndStop(writeConfig([{ ...XP, mde: 0.1 }]));
    expect(out3).toMatch(new RegExp(`experiment \\\\?"${NAME}\\\\?" in the config differs from the stored one, which is left unchanged`));
    expect(out3).toMatch(/Use the API or CLI/);
    const third = await getExperiment(services.pool, NAME);
    expect(third!.definition.mde).toBe(0.05);
    expect((await services.client.workflow.getHandle(experimentWorkflowId(NAME)).describe()).runId).toBe(run1.runId);
    // Three worker starts (each bundles the workflows): more than the default on a loaded machine.
  }, 300_000);
});
