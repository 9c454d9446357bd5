import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { createExperimentService, parseDefinition, type ExperimentService } from '../../app/experiment-service';
import { connectClient } from '../../app/temporal-connection';
import { createPool } from '../../db/pool';
import { VigilError } from '../../domain/errors';
import type { ExperimentPlan } from '../../domain/experiments/plan';
import type { CliContext } from '../context';
import { runExperimentDemo } from './experiments-demo';

/** Runs `fn` with an experiment service on this deployment's Temporal and Postgres. */
async function withExperiments<T>(ctx: CliContext, fn: (s: ExperimentService) => Promise<T>): Promise<T> {
  const pool = createPool(ctx.databaseUrl(), 'vigil-cli', 2);
  try {
    const client = await connectClient({ address: ctx.temporalAddress(), namespace: ctx.config.temporal.namespace }, ctx.env);
    try {
      return await fn(createExperimentService({ client, pool, config: ctx.config }));
    } finally {
      await client.connection.close();
    }
  } finally {
    await pool.end();
  }
}

/** A definition file (YAML or JSON); unreadable or unparsable is bad input (exit 2). */
function readDefinition(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new VigilError('invalid_input', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new VigilError('invalid_input', `${file} is not valid YAML or JSON: ${(err as Error).message}`);
  }
}

/** The plan as people read it before starting. */
export function planLines(p: ExperimentPlan): string[] {
  const span = (d: number) => (d >= 1 ? `${d.toFixed(1)} days` : `${(d * 24).toFixed(1)} hours`);
  const days = p.expectedDays === null ? 'unknown (no traffic in the last 24 h; set unitsPerDay)' : `${span(p.expectedDays)} at ${Math.round(p.unitsPerDay!)} units/day`;
  return [
    `  required: ${p.perArm} units per arm (${p.total} in all) for the always-valid test; a fixed-horizon test would need ${p.fixedHorizonPerArm} per arm but may be looked at only once`,
    `  expected duration: ${days}`,
    `  baseline (${p.baseline.source}): mean ${p.baseline.mean}, sd ${p.baseline.sd}; standardized effect ${p.standardizedEffect.toFixed(3)}`,
  ];
}

/** Invalid definitions list every field, one per line (exit 2 via cli/main.ts). */
function withIssues(err: unknown): never {
  if (err instanceof VigilError && err.code === 'invalid_input' && Array.isArray(err.details?.issues)) {
    const lines = (err.details.issues as { field: string; message: string }[]).map((i) => `  ${i.field}: ${i.message}`);
    throw new VigilError('invalid_input', `invalid experiment definition:\n${lines.join('\n')}`);
  }
  throw err;
}

/** `vigil experiments create|list|status|pause|resume|stop|report|demo`. */
export function registerExperimentCommands(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('experiments').description('A/B tests of RAG variants on live traffic, with always-valid tests and guardrails');
  const by = `cli:${os.userInfo().username}`;

  cmd
    .command('create <file>')
    .description('create an experiment from a YAML/JSON definition; prints the required sample size and duration first')
    .option('--dry-run', 'validate and plan only; start nothing')
    .action(async (file: string, o: { dryRun?: boolean }) => {
      const input = readDefinition(file);
      // Refused before anything connects: a bad file is the caller's to fix (exit 2).
      try {
        parseDefinition(input, ctx().config);
      } catch (err) {
        withIssues(err);
      }
      await withExperiments(ctx(), async (s) => {
        const preview = await s.preview(input).catch(withIssues);
        console.log(`experiment ${preview.definition.name} on ${preview.definition.service}: ${preview.definition.variants.map((v) => `${v.name} ${v.weight}`).join(' / ')}, primary ${preview.definition.primary}, MDE ${preview.definition.mde * 100} %`);
        for (const l of planLines(preview.plan)) console.log(l);
        if (o.dryRun) return;
        const created = await s.create(input, by).catch(withIssues);
        console.log(`started ${created.workflowId}`);
      });
    });

  cmd
    .command('list')
    .description('experiments, newest first')
    .action(async () => {
      const list = await withExperiments(ctx(), (s) => s.list());
      if (list.length === 0) return console.log('No experiments.');
      for (const e of list) console.log(`${e.name.padEnd(24)} ${e.status.padEnd(8)} look ${String(e.look).padStart(5)}  ${e.decision.padEnd(13)} ${e.service}  ${e.why}`);
    });

  cmd
    .command('status <name>')
    .description('status, decision and the latest look')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const st = await withExperiments(ctx(), (s) => s.status(name));
      if (o.json) return console.log(JSON.stringify(st, null, 2));
      const e = st.experiment;
      console.log(`${e.name} (${e.service}): ${e.status}, look ${st.live?.look ?? e.look}, ${st.live?.decision ?? e.decision}`);
      console.log(`  ${st.live?.why ?? e.why}`);
      for (const [v, why] of Object.entries(e.stoppedVariants)) console.log(`  stopped ${v}: ${why}`);
      for (const l of planLines(e.plan)) console.log(l);
    });

  for (const action of ['pause', 'resume', 'stop'] as const) {
    cmd
      .command(`${action} <name>`)
      .description(action === 'pause' ? 'pause: assignment returns control until resumed' : action === 'resume' ? 'resume a paused experiment' : 'stop now, with a final report')
      .option('--reason <text>', 'why (kept in the report)')
      .action(async (name: string, o: { reason?: string }) => {
        const v = await withExperiments(ctx(), (s) => s.act(name, action, by, o.reason));
        console.log(`${name}: ${v.paused ? 'paused' : action === 'stop' ? 'stopped' : 'running'} at look ${v.look} — ${v.why}`);
      });
  }

  cmd
    .command('report <name>')
    .description('the latest stored report (Markdown)')
    .action(async (name: string) => {
      const reports = await withExperiments(ctx(), (s) => s.reports(name));
      if (reports.length === 0) return console.log(`No report for ${name} yet: one is stored when it decides or is stopped.`);
      console.log(reports[0]!.markdown);
    });

  cmd
    .command('demo')
    .description('simulated reranker test on a throwaway stack: B improves quality but breaks the p95 guardrail → stopped, incident, report')
    .action(async () => runExperimentDemo(ctx()));
}
