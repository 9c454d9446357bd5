import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../../app/config-file';
import type { IncidentState } from '../../domain/incident-state';
import { toView } from '../../domain/incident-view';
import type { CliContext } from '../context';
import { blockActionsBody, signSlackRequest, startFakeSlack } from '../stack/loopback-slack';
import { freePort } from '../stack/ports';
import { startStack } from '../stack/stack';
import { createProcessingEventEmitter, createReporter, createTemporalTransport, type Reporter } from '../../sdk';
import { runComplianceAudit } from '../../app/compliance-client';
import { createIngestToken } from '../../db/ingest-tokens';
import type { Pool } from 'pg';
import { addUser, issueKey } from '../../app/auth/admin';
import { seedHistory } from './seed';
import { loadDashboard } from '../../db/analytics/dashboard';
import { executiveSummaryLines } from '../../domain/analytics/executive-report';
import type { ExecutiveReportResult } from '../../workflows/executive-report';

/** A responder and an API key of theirs, as an admin would make them. */
async function demoResponderKey(pool: Pool, name: string): Promise<string> {
  await addUser(pool, 'vigil-demo', { name, roles: ['responder'], slackUserId: 'U0ALICE' });
  return (await issueKey(pool, 'vigil-demo', { name: 'demo', owner: name, scopes: ['incidents:read', 'incidents:write'], createdBy: 'vigil-demo' })).key;
}
import { fingerprint } from '../../domain/fingerprint';

const DEMO_TOKEN = 'xoxb-demo-token';
const DEMO_SECRET = 'demo-signing-secret';
const DEMO_CHANNEL = 'C0INCIDENTS';

// Short delays so the whole escalation fits in a minute; real policies use minutes.
const DEMO_CONFIG = {
  channels: { console: { type: 'console' }, 'slack-incidents': { type: 'slack', channel: DEMO_CHANNEL } },
  escalationPolicies: {
    default: {
      levels: [
        { delay: 0, targets: ['slack-incidents'] },
        { delay: '8s', targets: ['slack-incidents', 'console'] },
      ],
    },
  },
  incidents: { reopenWindow: '5s' },
  // The daily compliance report goes to the incident channel too; the demo asks for one on demand.
  compliance: { reports: { channels: ['slack-incidents'] } },
  // One-second windows judged one at a time, so the SLA story takes seconds instead of minutes.
  slaDefaults: { evaluationWindow: '1s', openAfter: 2, resolveAfter: 3, minRequests: 5, burnRateAlerts: false },
};

/** Sends `seconds` of simulated RAG traffic at one latency through the SDK (20 requests a second). */
async function traffic(reporter: Reporter, latencyMs: number, seconds: number): Promise<void> {
  for (let i = 0; i < seconds * 20; i++) {
    reporter.record({ latencyMs: latencyMs * (0.9 + Math.random() * 0.2), ok: true, qualityScore: 0.85, costUsd: 0.002, tokens: 800 });
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const step = (text: string) => process.stdout.write(`\n▶ ${text}\n`);

/** `vigil demo`: the finite showcase: violation → Slack → level 2 → ack from a Slack click → resolve. */
export function registerDemoCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('demo')
    .description('run a self-contained incident end to end on a throwaway embedded stack, then exit')
    .action(async () => {
      const started = Date.now();
      const c = ctx();
      // The narrative is the output; logs only for warnings (the console channel's pages are warnings).
      if (!c.env.LOG_LEVEL) c.logger.level = 'warn';
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-demo-'));
      fs.chmodSync(dir, 0o755);
      const slack = await startFakeSlack({ token: DEMO_TOKEN });
      const env: NodeJS.ProcessEnv = {
        ...c.env,
        DATABASE_URL: '',
        TEMPORAL_ADDRESS: '',
        SLACK_BOT_TOKEN: DEMO_TOKEN,
        SLACK_SIGNING_SECRET: DEMO_SECRET,
        SLACK_API_URL: slack.url,
      };
      delete env.DATABASE_URL;
      delete env.TEMPORAL_ADDRESS;
      const apiPort = await freePort();
      const slackPort = await freePort();
      const config = parseConfig({ ...DEMO_CONFIG, api: { port: apiPort }, slack: { port: slackPort } }, 'demo settings', {});
      step('Starting embedded PostgreSQL, Temporal dev server (+ Web UI), worker, API and Slack endpoint');
      const stack = await startStack({
        dataDir: dir,
        config,
        env,
        logger: c.logger,
        pgPort: await freePort(),
        temporalPort: await freePort(),
        uiPort: await freePort(),
        persistTemporal: false,
      });
      try {
        step('RAG service "checkout-rag" breaches its p95 response-time SLA (2350 ms > 2000 ms)');
        const raised = await stack.incidents.raise({
          service: 'checkout-rag',
          kind: 'response_time_sla',
          dimension: 'p95',
          severity: 'high',
          title: 'p95 response time 2350 ms > 2000 ms',
          current: 2350,
          threshold: 2000,
          unit: 'ms',
          impact: 'Answers take over 2 s for 5% of checkout questions',
          labels: { team: 'search' },
        });
        console.log(`  incident ${raised.workflowId}`);
        const state = async () => (await stack.incidents.show(raised.fingerprint)) as { source: 'workflow'; state: IncidentState };
        await waitFor('the Slack message', async () => slack.callsTo('chat.postMessage').length >= 1);
        console.log(`  level 1: Slack message posted to ${DEMO_CHANNEL} with Acknowledge / Resolve buttons`);

        step('Nobody acknowledges; after 8 s the policy escalates to level 2 (Slack thread + console page)');
        await waitFor('level 2', async () => (await state()).state.timeline.some((e) => e.type === 'escalated' && /level 2/.test(e.text)));
        console.log('  level 2 fired');

        // alice is a responder whose Slack account is linked (vigil users add alice --role responder --slack-id U0ALICE).
        const aliceKey = stack.adminKey ? await demoResponderKey(stack.pool, 'alice') : null;
        step('alice clicks "Acknowledge" in Slack (a signed interaction request to the Bolt endpoint; her Slack account is linked to her Vigil user)');
        const body = blockActionsBody({ actionId: 'vigil_acknowledge', value: raised.workflowId, userId: 'U0ALICE', userName: 'alice', channelId: DEMO_CHANNEL });
        const res = await fetch(stack.slackUrl!, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(DEMO_SECRET, body) },
          body,
        });
        console.log(`  Bolt answered HTTP ${res.status}`);
        await waitFor('the acknowledgement', async () => (await state()).state.status === 'acknowledged');
        await waitFor('the in-place message update', async () => slack.callsTo('chat.update').length >= 1);
        console.log(`  acknowledged by ${(await state()).state.acknowledged?.by}; Slack message updated in place (chat.update)`);

        step('alice resolves it through the HTTP API, with her own API key');
        // Who acts is who authenticated: alice's own key (vigil keys create --user alice …).
        const resolved = await fetch(`${stack.apiUrl}/v1/incidents/${raised.fingerprint}/resolve`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(aliceKey ? { authorization: `Bearer ${aliceKey}` } : {}) },
          body: JSON.stringify({ by: 'alice', reason: 'rolled back the reranker deploy' }),
        });
        console.log(`  ${((await resolved.json()) as { message: string }).message}`);

        const final = (await state()).state;
        step('Timeline');
        for (const e of final.timeline) console.log(`  +${((e.at - final.openedAt) / 1000).toFixed(1).padStart(5)}s  ${e.type.padEnd(13)} ${e.text}`);

        step('A simulated RAG service "search-rag" reports through the SDK (1 s windows here, 10 s normally): healthy, then its reranker slows down');
        const reporter = createReporter({ service: 'search-rag', windowMs: 1000, transport: createTemporalTransport({ client: stack.client, taskQueue: config.temporal.taskQueue }) });
        const searchId = `incident/${fingerprint('search-rag', 'response_time_sla', 'p95')}`;
        const stored = async () =>
          (await stack.pool.query<{ status: string; title: string; resolved_by: string | null }>('SELECT status, title, resolved_by FROM incidents WHERE workflow_id = $1', [searchId])).rows[0];
        await traffic(reporter, 300, 2);
        console.log('  2 s of healthy traffic (p95 ≈ 330 ms)');
        await traffic(reporter, 2600, 3);
        await waitFor('the SLA incident', async () => (await stored()) !== undefined);
        console.log(`  the monitor saw two breaching windows in a row and opened ${searchId}: ${(await stored())!.title}`);
        await traffic(reporter, 300, 5);
        await waitFor('the auto-resolve', async () => (await stored())?.status === 'resolved');
        console.log(`  latency recovered; after three clear windows the monitor resolved it (resolved by ${(await stored())!.resolved_by})`);
        await reporter.shutdown();

        step('search-rag reports data-processing events through the SDK: a compliant retrieval, then a user\'s PII put into a prompt with no lawful basis');
        const { token } = await createIngestToken(stack.pool, 'search-rag', 'demo');
        const emitter = createProcessingEventEmitter({ baseUrl: stack.apiUrl, token, system: 'search-rag', onError: (e) => console.log(`  emitter: ${e.message}`) });
        const base = { actor: { id: 'svc-search', roles: ['service'] }, encryption: { inTransit: true, atRest: true }, outcome: 'success' as const };
        emitter.emit({ ...base, action: 'retrieval', categories: ['pii'], subjectId: 'user-42', purpose: 'support', lawfulBasis: 'contract', region: 'eu-west-1' });
        emitter.emit({ ...base, action: 'retrieval', categories: ['pii'], subjectId: 'user-43', purpose: 'support', region: 'eu-west-1' });
        const { results } = await emitter.flush();
        await emitter.close();
        for (const r of results) console.log(`  ${r.overall_compliant ? 'compliant' : `violates ${r.violated_rules.join(', ')}`}`);
        const complianceId = `incident/${fingerprint('search-rag', 'compliance', 'GDPR-6-lawful-basis')}`;
        await waitFor('the compliance incident', async () => (await stack.pool.query('SELECT 1 FROM incidents WHERE workflow_id = $1', [complianceId])).rowCount === 1);
        console.log(`  the violation opened ${complianceId} (kind compliance), paged like any incident; both events are in the hash-chained audit trail`);

        step('A compliance report on demand (the vigil-compliance-audit Schedule makes one every day at 06:00 UTC)');
        const audit = await runComplianceAudit(stack.client, config, { periodMs: 86_400_000, deliver: true });
        const report = (await stack.pool.query<{ markdown: string }>('SELECT markdown FROM compliance_reports WHERE id = $1', [audit.reportId])).rows[0]!;
        for (const line of report.markdown.split('\n').filter((l) => l.startsWith('- '))) console.log(`  ${line.slice(2)}`);
        console.log(`  report ${audit.reportId}: ${audit.status.toUpperCase()}, posted to ${audit.delivered.join(', ')}; ${stack.apiUrl}/v1/compliance/reports/${audit.reportId}.html`);
        step('Executive analytics: 29 days of synthetic history for 3 services (vigil seed: daily/weekly seasonality, a p95 drift, a cost step, incidents), rolled up, forecast, reported');
        const t0 = Date.now();
        const seeded = await seedHistory(stack.pool, config, { days: 29, services: 3, seed: 42, windowMs: 900_000, now: Date.now() });
        console.log(`  ${seeded.windows} windows, ${seeded.incidents} incidents; ${seeded.hours} hourly and ${seeded.days} daily rollups in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        // The Forecast workflow as its daily Schedule runs it: 7- and 30-day forecasts on vigil-ml, then ranked capacity plans.
        const forecasts = (await stack.client.workflow.execute('forecastWorkflow', { workflowId: `demo-forecast-${Date.now()}`, taskQueue: config.temporal.taskQueue, args: [{ mlTaskQueue: config.temporal.mlTaskQueue }] })) as Array<{ service: string; methods: Record<string, string> }>;
        for (const f of forecasts) console.log(`  forecast ${f.service}: traffic by ${f.methods.requests}, p95 by ${f.methods.p95_ms} (chosen by backtest MASE)`);
        const dashboard = await loadDashboard(stack.pool, config, '7d');
        for (const line of executiveSummaryLines(dashboard)) console.log(`  ${line}`);
        for (const i of dashboard.predictive_insights.slice(0, 3)) console.log(`  insight: ${i.text}`);
        // The weekly report (Monday 08:00 on its Schedule when analytics.reports.channels is set), on demand here.
        const exec = (await stack.client.workflow.execute('executiveReportWorkflow', { workflowId: `demo-executive-report-${Date.now()}`, taskQueue: config.temporal.taskQueue, args: [{ channels: ['slack-incidents'] }] })) as ExecutiveReportResult;
        console.log(`  executive report ${exec.reportId}: ${exec.status.toUpperCase()}, posted to ${exec.delivered.join(', ') || 'nobody'}; the dashboard: ${stack.apiUrl}/v1/executive/dashboard?period=7d (scope analytics:read), or \`vigil exec report --period 7d\``);
        const slackCalls = slack.calls.map((call) => call.method).reduce<Record<string, number>>((acc, m) => ({ ...acc, [m]: (acc[m] ?? 0) + 1 }), {});
        console.log(`\n  Slack API calls: ${JSON.stringify(slackCalls)}`);
        console.log(`  Temporal UI: ${toView(final).uiUrl ?? '(no UI)'}  (this demo's server stops now; \`npm start\` keeps one running)`);
        console.log(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      } finally {
        await stack.stop();
        await slack.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
}
