// `vigil experiments demo`: a reranker A/B test on a throwaway stack. Variant B answers better but
// slower; the p95 guardrail catches it, the variant is stopped, an incident opens through the
// normal escalation, and the report is stored and posted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../app/config-file';
import { createExperimentService } from '../../app/experiment-service';
import { createRng } from '../../domain/anomaly/rng';
import { experimentWorkflowId } from '../../domain/experiments/definition';
import { DEFAULT_TRUTH, simulateWindow } from '../../domain/experiments/simulate';
import type { CliContext } from '../context';
import { freePort } from '../stack/ports';
import { startStack } from '../stack/stack';
import { planLines } from './experiments';

const DEMO_CONFIG = {
  channels: { console: { type: 'console' } },
  escalationPolicies: { default: { levels: [{ delay: 0, targets: ['console'] }] } },
};

export const RERANKER_DEMO = {
  name: 'reranker-v2',
  service: 'search-rag',
  description: 'cross-encoder reranker (B) against the BM25 order (control)',
  unit: 'user',
  variants: [
    { name: 'control', weight: 0.5 },
    { name: 'cross-encoder', weight: 0.5 },
  ],
  primary: 'quality',
  secondary: ['success_rate', 'cost_per_query'],
  guardrails: [
    { metric: 'p95_latency', margin: 0.1 },
    { metric: 'success_rate', margin: 0.02 },
  ],
  mde: 0.03,
  alpha: 0.05,
  power: 0.8,
  baseline: { mean: 0.7, sd: 0.2 },
  unitsPerDay: 200_000,
  reportChannels: ['console'],
};

const step = (text: string) => process.stdout.write(`\n▶ ${text}\n`);

async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`experiments demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function runExperimentDemo(c: CliContext): Promise<void> {
  if (!c.env.LOG_LEVEL) c.logger.level = 'error';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-xdemo-'));
  fs.chmodSync(dir, 0o755);
  const env: NodeJS.ProcessEnv = { ...c.env };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  const config = parseConfig({ ...DEMO_CONFIG, api: { port: await freePort() } }, 'experiments demo settings', {});
  step('Starting embedded PostgreSQL, Temporal dev server, worker and API');
  const stack = await startStack({ dataDir: dir, config, env, logger: c.logger, pgPort: await freePort(), temporalPort: await freePort(), uiPort: null, persistTemporal: false });
  try {
    const experiments = createExperimentService({ client: stack.client, pool: stack.pool, config });
    step(`Creating ${RERANKER_DEMO.name}: quality primary (MDE 3 %), guardrails p95 +10 % and success rate −2 %`);
    const created = await experiments.create(RERANKER_DEMO, 'vigil-demo');
    for (const l of planLines(created.plan)) console.log(l);
    console.log(`  workflow ${created.workflowId}`);

    step('Traffic: 2,000 requests per 10 s window; cross-encoder answers 8 % better but its p95 is 40 % slower');
    const rng = createRng(2026);
    const truths = { control: DEFAULT_TRUTH, 'cross-encoder': { ...DEFAULT_TRUTH, qualityMean: 0.7 * 1.08, latencyMedianMs: DEFAULT_TRUTH.latencyMedianMs * 1.4 } };
    let window = 0;
    const t0 = Date.UTC(2026, 11, 5, 12, 0, 0);
    const stopped = await waitFor('the guardrail to stop the variant', async () => {
      await experiments.ingest(simulateWindow(rng, RERANKER_DEMO.name, truths, 2000, t0 + window++ * 10_000));
      const row = (await experiments.status(RERANKER_DEMO.name)).experiment;
      return row.status === 'stopped' ? row : undefined;
    });
    console.log(`  after ${window} windows: ${Object.values(stopped.stoppedVariants).join('; ')}`);
    console.log('  assignment now returns control for cross-encoder:', JSON.stringify((await experiments.assignment(RERANKER_DEMO.name)).stoppedVariants));

    step('The incident (kind experiment) opened through the normal escalation');
    const incident = await waitFor('the incident projection', async () => (await stack.pool.query<{ workflow_id: string; title: string; status: string }>("SELECT workflow_id, title, status FROM incidents WHERE kind = 'experiment'")).rows[0]);
    console.log(`  ${incident.workflow_id} (${incident.status}): ${incident.title}`);

    step('The report, stored and posted to the console channel');
    // The plan went out at start; this is the decision's report.
    const decision = await waitFor('the decision report', async () => (await experiments.reports(RERANKER_DEMO.name)).find((r) => r.kind === 'decision'));
    console.log(decision.markdown.split('\n').map((l) => `  ${l}`).join('\n'));
    const posted = await waitFor('the report delivery', async () => (await stack.pool.query<{ target: string }>("SELECT target FROM notifications WHERE workflow_id LIKE 'experiment-report/%/decision/%' AND status = 'sent'")).rows[0]);
    console.log(`\n  report posted to ${posted.target} through the notification ledger (once per report per channel)`);
    console.log(`\n  ${stack.apiUrl}/v1/experiments/${RERANKER_DEMO.name}/report · workflow ${experimentWorkflowId(RERANKER_DEMO.name)}`);
  } finally {
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
