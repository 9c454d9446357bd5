import fs from 'node:fs';
import { once } from 'node:events';
import readline from 'node:readline';
import type { Command } from 'commander';
import { anomalyReport, createFeatureDeviation, type AnomalyEvent } from '../../domain/anomaly/classify';
import { agreeingMembers } from '../../domain/anomaly/ensemble';
import { TimeOrder, type TimeIssue } from '../../domain/anomaly/time-order';
import { VigilError } from '../../domain/errors';
import { createRowParser, RowError } from '../csv';
import { buildDetector, DETECTOR_KINDS, type DetectorKind } from '../detectors';
import { createProgress } from '../progress';

interface DetectOptions {
  input: string;
  output: string;
  detector: string;
  threshold?: string;
  seed: string;
  report?: string;
  skipBad?: boolean;
}

/** Alarmed rows closer than this (in rows) belong to one anomaly in the report: one incident, not a burst of them. */
const MERGE_GAP_ROWS = 5;

function parseOptions(o: DetectOptions): { kind: DetectorKind; threshold?: number; seed: number } {
  if (!(DETECTOR_KINDS as readonly string[]).includes(o.detector)) {
    throw new VigilError('invalid_input', `--detector must be one of ${DETECTOR_KINDS.join(', ')}, got "${o.detector}"`);
  }
  const threshold = o.threshold === undefined ? undefined : Number(o.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new VigilError('invalid_input', `--threshold must be a number in [0, 1], got "${o.threshold}"`);
  const seed = Number(o.seed);
  if (!Number.isSafeInteger(seed)) throw new VigilError('invalid_input', `--seed must be an integer, got "${o.seed}"`);
  return { kind: o.detector as DetectorKind, threshold, seed };
}

async function writeLine(out: fs.WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function close(out: fs.WriteStream): Promise<void> {
  out.end();
  await once(out, 'finish');
}

/**
 * `vigil detect`: scores a `timestamp,value[,…]` CSV row by row. Each row is scored from the rows before
 * it and written before the next is read, so the output is what a live detector would have said.
 */
export function registerDetectCommand(program: Command): void {
  program
    .command('detect')
    .description('score a time series CSV (timestamp,value[,more columns]) for anomalies, row by row with no look-ahead')
    .requiredOption('--input <file>', 'CSV with a timestamp (ISO-8601, epoch s or ms) and numeric columns; header optional')
    .requiredOption('--output <file>', 'CSV to write: timestamp,anomaly_score,is_anomaly for every row')
    .option('--detector <name>', `${DETECTOR_KINDS.join('|')}`, 'ensemble')
    .option('--threshold <x>', 'alarm when the score reaches this (default: the detector\'s own alarm level)')
    .option('--seed <n>', 'seed of the randomised detectors', '1')
    .option('--report <file>', 'also write a JSON report: anomalies_detected, anomaly_details, confidence_scores, recommended_actions')
    .option('--skip-bad', 'do not stop at malformed rows: write them unscored (score 0) so output rows still align with input rows, and list them at the end')
    .action(async (o: DetectOptions) => {
      const opts = parseOptions(o);
      let size: number;
      try {
        const stat = fs.statSync(o.input);
        if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' });
        size = stat.size;
      } catch (err) {
        throw new VigilError('invalid_input', `cannot read --input ${o.input}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      const out = fs.createWriteStream(o.output);
      try {
        await once(out, 'open');
      } catch (err) {
        throw new VigilError('invalid_input', `cannot write --output ${o.output}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      await writeLine(out, 'timestamp,anomaly_score,is_anomaly\n');
      const input = fs.createReadStream(o.input);
      const lines = readline.createInterface({ input, crlfDelay: Infinity });
      // Taken now, not at the loop: lines read before an iterator exists would be lost across an await.
      const iterator = lines[Symbol.asyncIterator]();
      const parser = createRowParser();
      const progress = createProgress(process.stderr, size);
      let built: Awaited<ReturnType<typeof buildDetector>> | undefined;
      let deviation: ReturnType<typeof createFeatureDeviation> | undefined;
      let threshold = 0;
      let lineNo = 0;
      let bytesDone = 0;
      let rows = 0;
      let alarms = 0;
      let lastAlarmRow = -Infinity;
      // The first few skipped rows are kept for the message; the rest are only counted.
      const skipped: RowError[] = [];
      let skippedCount = 0;
      const events: AnomalyEvent[] = [];
      const order = new TimeOrder();
      const timeIssues: Record<TimeIssue, number[]> = { duplicate: [], 'out-of-order': [] };
      try {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          const text = next.value;
          lineNo++;
          // Bytes of the lines handled so far (the stream itself reads ahead): what the progress bar shows.
          bytesDone += Buffer.byteLength(text) + 1;
          let parsed;
          try {
            parsed = parser.parse(text, lineNo);
          } catch (err) {
            if (!(err instanceof RowError) || !o.skipBad) throw err;
            if (skippedCount++ < 10) skipped.push(err);
            // One output row per input row: the skipped one is there, unscored, with its timestamp as written.
            await writeLine(out, `${csvField(text.split(',')[0] ?? '')},0,0\n`);
            continue;
          }
          if (parsed.kind !== 'row') continue;
          const { row } = parsed;
          const when = order.next(row.t);
          if (when.issue) timeIssues[when.issue].push(lineNo);
          if (!built) {
            // The detector is built on the first row: only then is the number of features known.
            built = await buildDetector(opts.kind, { seed: opts.seed, features: row.values.length });
            for (const note of built.notes) process.stderr.write(`vigil: note: ${note}\n`);
            threshold = opts.threshold ?? built.threshold;
            deviation = createFeatureDeviation();
          }
          const score = built.detector.update({ t: when.t, values: row.values });
          const alarm = score >= threshold;
          await writeLine(out, `${row.timestampText},${score.toFixed(6)},${alarm ? 1 : 0}\n`);
          if (alarm) {
            alarms++;
            if (o.report) {
              const detectors = built.composite ? agreeingMembers(built.composite) : [built.detector.name];
              const devs = deviation!.deviations(row.values);
              const prev = events.at(-1);
              if (prev && rows - lastAlarmRow <= MERGE_GAP_ROWS) {
                prev.score = Math.max(prev.score, score);
                prev.detectors = [...new Set([...prev.detectors, ...detectors])];
                if (maxAbs(devs) > maxAbs(prev.deviations)) prev.deviations = devs;
              } else events.push({ t: row.t, score, deviations: devs, detectors });
            }
            lastAlarmRow = rows;
          }
          deviation!.learn(row.values);
          rows++;
          progress.update(bytesDone, rows);
        }
      } catch (err) {
        lines.close();
        input.destroy();
        await close(out);
        progress.done();
        if (err instanceof RowError) {
          throw new VigilError(
            'invalid_input',
            `${o.input}: ${err.message}; stopped there: ${o.output} holds the ${rows} complete row(s) scored before it (use --skip-bad to skip malformed rows)`,
          );
        }
        throw err;
      }
      await close(out);
      progress.done();
      if (!built) throw new VigilError('invalid_input', `${o.input}: no data rows (expected timestamp,value[,…] lines)`);
      if (o.report) {
        const names = parser.names()!.slice(1);
        fs.writeFileSync(o.report, `${JSON.stringify(anomalyReport(names, events), null, 2)}\n`);
      }
      console.log(`${o.output}: ${rows} row(s) scored by ${built.detector.name}, ${alarms} at or above ${threshold.toFixed(4)}${o.report ? `; ${events.length} anomal${events.length === 1 ? 'y' : 'ies'} in ${o.report}` : ''}`);
      for (const [issue, lines] of Object.entries(timeIssues)) {
        if (lines.length === 0) continue;
        const shown = lines.slice(0, 10).join(', ') + (lines.length > 10 ? `, … (${lines.length - 10} more)` : '');
        process.stderr.write(`vigil: note: ${lines.length} row(s) with ${issue === 'duplicate' ? 'a repeated' : 'an earlier'} timestamp (line ${shown}): scored in file order, as if at the latest time seen\n`);
      }
      if (skippedCount > 0) {
        const more = skippedCount > skipped.length ? `  … and ${skippedCount - skipped.length} more\n` : '';
        process.stderr.write(`vigil: skipped ${skippedCount} malformed row(s) (written with score 0):\n${skipped.map((e) => `  ${e.message}\n`).join('')}${more}`);
      }
    });
}

/** A field as written, quoted when it would otherwise break the CSV (a skipped row's timestamp can be anything). */
function csvField(text: string): string {
  const t = text.trim();
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

function maxAbs(xs: number[]): number {
  return xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}
