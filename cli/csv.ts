/**
 * Row parsing for `vigil detect` input: `timestamp,value[,more columns]`, one row at a time, so the
 * command can score a row before it reads the next. Pure (no I/O) so tests can drive it line by line.
 */

/** A line that cannot be scored; `line` is 1-based and counts every physical line of the file. */
export class RowError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'RowError';
  }
}

/** One scored-ready row: epoch ms, the numeric columns in file order, and the timestamp as written. */
export interface CsvRow {
  line: number;
  t: number;
  values: number[];
  timestampText: string;
}

/** What a line turned out to be. */
export type ParsedLine = { kind: 'header'; names: string[] } | { kind: 'row'; row: CsvRow } | { kind: 'blank' };

// Decimal notation only: Number() would also accept "0x1f", "  ", "Infinity" and "1_000" is rejected anyway.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// ISO-8601 date, optional time with `T` or a space (the form many exported series use), optional zone.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
/**
 * Epoch numbers below this are seconds, above it milliseconds: 1e11 s is the year 5138 while 1e11 ms is
 * 1973, so no plausible series is ambiguous. Decided once, on the first row, and kept for the file.
 */
const EPOCH_MS_MIN = 1e11;

function fields(line: string): string[] {
  return line.split(',').map((f) => {
    const s = f.trim();
    return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).trim() : s;
  });
}

type Timestamp = { unit: 'iso' | 'epoch'; t: number } | { error: string };

function parseTimestamp(text: string): Timestamp {
  if (text === '') return { error: 'empty timestamp' };
  if (DECIMAL.test(text)) {
    const n = Number(text);
    if (!Number.isFinite(n)) return { error: `timestamp "${text}" is not a finite number` };
    return { unit: 'epoch', t: Math.abs(n) >= EPOCH_MS_MIN ? n : n * 1000 };
  }
  const m = ISO.exec(text);
  if (!m) return { error: `timestamp "${text}" is neither ISO-8601 nor epoch seconds/milliseconds` };
  // Date.parse rolls 2024-02-30 over to March 1st; a day past the month's end is a typo, not a date.
  const daysInMonth = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  if (Number(m[3]) < 1 || Number(m[3]) > daysInMonth) return { error: `timestamp "${text}" is not a valid date` };
  // No zone means UTC: the same file must mean the same instants on every machine.
  const normalised = `${text.replace(' ', 'T').replace(/\s+/g, '')}${m[7] ? '' : m[4] ? 'Z' : 'T00:00:00Z'}`;
  const t = Date.parse(normalised);
  if (!Number.isFinite(t)) return { error: `timestamp "${text}" is not a valid date` };
  return { unit: 'iso', t };
}

function parseValue(text: string, column: string): { value: number } | { error: string } {
  if (text === '') return { error: `empty value in column "${column}"` };
  if (/^[+-]?(nan|inf|infinity)$/i.test(text)) return { error: `${text} in column "${column}" is not a finite number` };
  if (!DECIMAL.test(text)) return { error: `"${text}" in column "${column}" is not a number` };
  const value = Number(text);
  if (!Number.isFinite(value)) return { error: `"${text}" in column "${column}" overflows to ${value}` };
  return { value };
}

/**
 * A stateful parser for one file: learns the header (or its absence) and the timestamp format. Time order
 * is not its business: a repeated or earlier timestamp is still a well-formed row (see time-order.ts).
 */
export function createRowParser() {
  let names: string[] | undefined;
  let unit: 'iso' | 'epoch' | undefined;

  function row(cols: string[], line: number): CsvRow {
    const header = names!;
    if (cols.length !== header.length) {
      throw new RowError(line, `expected ${header.length} columns (${header.join(',')}), got ${cols.length}`);
    }
    const ts = parseTimestamp(cols[0]!);
    if ('error' in ts) throw new RowError(line, ts.error);
    if (unit && ts.unit !== unit) {
      throw new RowError(line, `timestamp "${cols[0]}" is ${ts.unit === 'iso' ? 'ISO-8601' : 'an epoch number'} but earlier rows are not`);
    }
    const values: number[] = [];
    for (let i = 1; i < cols.length; i++) {
      const v = parseValue(cols[i]!, header[i]!);
      if ('error' in v) throw new RowError(line, v.error);
      values.push(v.value);
    }
    unit = ts.unit;
    return { line, t: ts.t, values, timestampText: cols[0]! };
  }

  return {
    /** Column names: the header's, or `timestamp,value,value2,…` when the file has none. Known after the first line. */
    names: (): string[] | undefined => names,
    /** Parses one physical line; throws RowError for anything that cannot be scored. */
    parse(text: string, line: number): ParsedLine {
      // A byte-order mark (spreadsheet exports) is not part of the first column's name.
      if (line === 1 && text.startsWith('\ufeff')) text = text.slice(1);
      if (text.trim() === '') return { kind: 'blank' };
      const cols = fields(text);
      if (names) return { kind: 'row', row: row(cols, line) };
      // First non-blank line: a header unless it already looks like data (a timestamp then numbers).
      const looksLikeData = !('error' in parseTimestamp(cols[0]!)) || cols.slice(1).some((c) => DECIMAL.test(c));
      if (!looksLikeData) {
        if (cols.length < 2) throw new RowError(line, `header "${text.trim()}" needs at least two columns: timestamp,value`);
        if (cols.some((c) => c === '')) throw new RowError(line, `header "${text.trim()}" has an empty column name`);
        names = cols;
        return { kind: 'header', names };
      }
      if (cols.length < 2) throw new RowError(line, 'expected at least two columns: timestamp,value');
      names = ['timestamp', ...cols.slice(1).map((_, i) => (i === 0 ? 'value' : `value${i + 1}`))];
      return { kind: 'row', row: row(cols, line) };
    },
  };
}
