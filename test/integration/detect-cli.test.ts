import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnVigil } from '../support/processes';

// `vigil detect` needs no servers: these runs only read and write temp files.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-detect-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2025, 0, 1);
const SPIKE_ROW = 1000;

/** A deterministic daily-ish wave with small noise and one spike, as `timestamp,value` CSV lines (no header). */
function seriesRows(n: number): string[] {
  let s = 12345;
  const noise = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 2;
  return Array.from({ length: n }, (_, i) => {
    const v = 100 + 10 * Math.sin((2 * Math.PI * i) / 288) + noise() + (i === SPIKE_ROW ? 80 : 0);
    return `${new Date(T0 + i * 300_000).toISOString()},${v.toFixed(3)}`;
  });
}

function write(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function detect(args: string[]) {
  const p = spawnVigil(['detect', ...args], {});
  const { code } = await p.exited;
  return { code, output: p.output() };
}

/** Data rows of an output file (its header dropped). */
const outputRows = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);

describe('vigil detect', () => {
  const rows = seriesRows(1200);
  const input = write('series.csv', ['timestamp,value', ...rows]);

  it('--detector iforest ranks the planted spike first (the forest alone is not sure enough of one lone spike to page)', async () => {
    // Its scores saturate: the spike is 2 decades of surprise for it, under the 3 of the common cut-off.
    const output = path.join(dir, 'iforest.csv');
    const r = await detect(['--input', input, '--output', output, '--detector', 'iforest']);
    expect(r.code, r.output).toBe(0);
    const scores = outputRows(output).map((l) => Number(l.split(',')[1]));
    expect(scores).toHaveLength(rows.length);
    expect(scores.indexOf(Math.max(...scores))).toBe(SPIKE_ROW);
  });

  it.each(['stat', 'ensemble'])('--detector %s scores every row and flags the planted spike', async (detector) => {
    const output = path.join(dir, `${detector}.csv`);
    const report = path.join(dir, `${detector}.json`);
    const r = await detect(['--input', input, '--output', output, '--detector', detector, '--report', report]);
    expect(r.code, r.output).toBe(0);
    const out = outputRows(output);
    expect(out).toHaveLength(rows.length);
    expect(fs.readFileSync(output, 'utf8').split('\n')[0]).toBe('timestamp,anomaly_score,is_anomaly');
    const spike = out[SPIKE_ROW]!.split(',');
    expect(spike[0]).toBe(rows[SPIKE_ROW]!.split(',')[0]);
    expect(spike[1]).toMatch(/^\d\.\d{6}$/);
    expect(spike[2]).toBe('1');
    expect(Math.max(...out.map((l) => Number(l.split(',')[1])))).toBe(Number(spike[1]));
    // The report has the seed shape and names the spike.
    const json = JSON.parse(fs.readFileSync(report, 'utf8')) as Record<string, unknown[]>;
    expect(Object.keys(json)).toEqual(['anomalies_detected', 'anomaly_details', 'confidence_scores', 'recommended_actions']);
    // Alarms a few rows apart are one anomaly in the report, dated by its first row: the spike's starts shortly before it.
    const spikeEvent = (json.anomaly_details as Array<{ t: string; class: string; features: string[] }>).find((d) => {
      const row = (Date.parse(d.t) - T0) / 300_000;
      return row >= SPIKE_ROW - 20 && row <= SPIKE_ROW;
    });
    expect(spikeEvent).toMatchObject({ class: 'performance', features: ['value'] });
  });

  it.each(['stat', 'iforest'])('--detector %s has no look-ahead: appending rows changes no earlier output row', async (detector) => {
    const short = write(`short-${detector}.csv`, ['timestamp,value', ...rows.slice(0, 700)]);
    const longer = write(`longer-${detector}.csv`, ['timestamp,value', ...rows]);
    const a = path.join(dir, `short-${detector}.out`);
    const b = path.join(dir, `longer-${detector}.out`);
    for (const [input, output] of [
      [short, a],
      [longer, b],
    ]) {
      const r = await detect(['--input', input!, '--output', output!, '--detector', detector]);
      expect(r.code, r.output).toBe(0);
    }
    expect(outputRows(b).slice(0, 700)).toEqual(outputRows(a));
  });

  it('stops at a malformed row with exit 2, its line number and reason, keeping the rows scored before it', async () => {
    // Header on line 1, five good rows on lines 2–6, a bad one on line 7.
    const file = write('bad.csv', ['timestamp,value', ...rows.slice(0, 5), `${new Date(T0 + 5 * 300_000).toISOString()},12,13`, rows[6]!]);
    const output = path.join(dir, 'bad.out');
    const r = await detect(['--input', file, '--output', output, '--detector', 'stat']);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/line 7: expected 2 columns \(timestamp,value\), got 3/);
    expect(r.output).toMatch(/holds the 5 complete row\(s\)/);
    expect(outputRows(output)).toHaveLength(5);
  });

  it.each([
    // each case: the bad value row (line 3), what the message must say
    ['NaN', /line 3: NaN in column "value" is not a finite number/],
    ['Infinity', /line 3: Infinity in column "value" is not a finite number/],
    ['12abc', /line 3: "12abc" in column "value" is not a number/],
  ])('rejects %s with exit 2', async (value, message) => {
    const file = write(`bad-${value}.csv`, ['timestamp,value', rows[0]!, `${new Date(T0 + 300_000).toISOString()},${value}`]);
    const r = await detect(['--input', file, '--output', path.join(dir, 'bad-value.out'), '--detector', 'stat']);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(message);
  });

  it('scores duplicate and out-of-order timestamps in file order and says which lines they were', async () => {
    // Lines 4 (a repeat) and 6 (earlier than line 5) would have stopped it before.
    const file = write('backwards.csv', ['1735689600,1', '1735689660,2', '1735689660,3', '1735689900,4', '1735689720,5', '1735689960,6']);
    const output = path.join(dir, 'backwards.out');
    const r = await detect(['--input', file, '--output', output, '--detector', 'ensemble']);
    expect(r.code, r.output).toBe(0);
    expect(outputRows(output).map((l) => l.split(',')[0])).toEqual(['1735689600', '1735689660', '1735689660', '1735689900', '1735689720', '1735689960']);
    expect(r.output).toMatch(/1 row\(s\) with a repeated timestamp \(line 3\)/);
    expect(r.output).toMatch(/1 row\(s\) with an earlier timestamp \(line 5\)/);
  });

  it('--skip-bad writes one output row per input row (the bad one unscored) and reports the bad ones at the end', async () => {
    const bad = `${new Date(T0 + 5 * 300_000).toISOString()},oops`;
    const file = write('skip.csv', ['timestamp,value', ...rows.slice(0, 5), bad, ...rows.slice(6, 20)]);
    const output = path.join(dir, 'skip.out');
    const r = await detect(['--input', file, '--output', output, '--detector', 'stat', '--skip-bad']);
    expect(r.code, r.output).toBe(0);
    const out = outputRows(output);
    expect(out).toHaveLength(20);
    expect(out.map((l) => l.split(',')[0])).toEqual([...rows.slice(0, 5), bad, ...rows.slice(6, 20)].map((l) => l.split(',')[0]));
    expect(out[5]).toBe(`${bad.split(',')[0]},0,0`);
    expect(r.output).toMatch(/skipped 1 malformed row\(s\) \(written with score 0\):\n\s+line 7: "oops" in column "value" is not a number/);
  });

  it.each([
    // each case: file text, the timestamps echoed in the output
    ['\ufeff"time","latency_ms"\r\n2025-01-01 00:00:00,1\r\n2025-01-01 00:05:00,2\r\n', ['2025-01-01 00:00:00', '2025-01-01 00:05:00']], // BOM, quoted header, CRLF, space-separated ISO
    ['1735689600000,1\n1735689900000,2\n\n', ['1735689600000', '1735689900000']], // epoch ms, no header, trailing blank line
    ['ts,value,errors\n2025-01-01T00:00:00+01:00,1,0\n2025-01-01T00:00:00Z,2,0\n', ['2025-01-01T00:00:00+01:00', '2025-01-01T00:00:00Z']], // zones honoured: +01:00 is an hour earlier
  ])('accepts common CSV dialects: %#', async (text, timestamps) => {
    const file = path.join(dir, `dialect-${timestamps[0]!.replace(/\W/g, '')}.csv`);
    fs.writeFileSync(file, text);
    const output = path.join(dir, 'dialect.out');
    const r = await detect(['--input', file, '--output', output, '--detector', 'stat']);
    expect(r.code, r.output).toBe(0);
    expect(outputRows(output).map((l) => l.split(',')[0])).toEqual(timestamps);
  });

  it('names a missing input file and an unknown detector with exit 2', async () => {
    expect(await detect(['--input', path.join(dir, 'nope.csv'), '--output', path.join(dir, 'x.out')])).toMatchObject({ code: 2, output: expect.stringMatching(/cannot read --input .*nope\.csv: ENOENT/) });
    expect(await detect(['--input', input, '--output', path.join(dir, 'x.out'), '--detector', 'magic'])).toMatchObject({ code: 2, output: expect.stringMatching(/--detector must be one of ensemble, iforest, lstm, stat, zscore/) });
  });

  it('runs the LSTM on a short file', async () => {
    const file = write('short-lstm.csv', ['timestamp,value', ...rows.slice(0, 200)]);
    const output = path.join(dir, 'lstm.out');
    const r = await detect(['--input', file, '--output', output, '--detector', 'lstm']);
    expect(r.code, r.output).toBe(0);
    expect(outputRows(output)).toHaveLength(200);
    expect(r.output).toMatch(/200 row\(s\) scored by lstm/);
  });
});
