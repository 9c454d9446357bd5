import fs from 'node:fs';

/** CPU ms per process name (comm) over this process and its descendants (the dev server, Postgres and its backends). */
export type TreeCpu = Map<string, number>;

/** Linux clock ticks per second as /proc reports them (USER_HZ, 100 on every mainstream kernel). */
const TICKS_PER_SEC = 100;

function readStat(pid: string): { comm: string; ppid: number; ms: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may contain spaces and parentheses, so split at the last ')'.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    // After comm: state(0) ppid(1) … utime(11) stime(12).
    return { comm, ppid: Number(f[1]), ms: ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SEC };
  } catch {
    return null;
  }
}

/**
 * A snapshot of CPU time used so far by this process tree, by name; null where /proc is not available.
 * With `alsoNamed`, processes of those names outside the tree count too (a Postgres whose server
 * detached from its launcher, the machine's own Postgres: either may be the bench's).
 */
export function treeCpu(alsoNamed: readonly string[] = []): TreeCpu | null {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const stats = new Map<number, { comm: string; ppid: number; ms: number }>();
  for (const pid of pids) {
    const s = readStat(pid);
    if (s) stats.set(Number(pid), s);
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === process.pid) return true;
      p = stats.get(p)?.ppid ?? 0;
    }
    return false;
  };
  const out: TreeCpu = new Map();
  for (const [pid, s] of stats) {
    if (!inTree(pid) && !alsoNamed.includes(s.comm)) continue;
    const name = pid === process.pid ? 'bench (node)' : s.comm;
    out.set(name, (out.get(name) ?? 0) + s.ms);
  }
  return out;
}

/**
 * Percent of one core each process name used between two snapshots, over `wallMs`, largest first.
 * Processes that exited in between are not counted (Postgres backends of a pool live throughout).
 */
export function treeCpuPct(before: TreeCpu | null, after: TreeCpu | null, wallMs: number): Record<string, number> {
  if (!before || !after || wallMs <= 0) return {};
  const rows = cpuDeltas(before, after).map(([name, ms]) => [name, Math.round((ms / wallMs) * 100)] as const);
  return Object.fromEntries(rows.filter(([, pct]) => pct > 0));
}

/** CPU ms each process name used between two snapshots, where it used any, largest first. */
function cpuDeltas(before: TreeCpu, after: TreeCpu): Array<readonly [string, number]> {
  const rows = [...after].map(([name, ms]) => [name, ms - (before.get(name) ?? 0)] as const).filter(([, ms]) => ms > 0);
  return rows.sort((a, b) => b[1] - a[1]);
}

/** CPU ms per item each process name used between two snapshots, largest first; the sum under `all`. */
export function cpuMsPerItem(before: TreeCpu | null, after: TreeCpu | null, items: number): Record<string, number> {
  if (!before || !after || items <= 0) return {};
  const round = (x: number) => Math.round(x * 100) / 100;
  const rows = cpuDeltas(before, after).map(([name, ms]) => [name, ms / items] as const);
  return { ...Object.fromEntries(rows.map(([k, v]) => [k, round(v)])), all: round(rows.reduce((a, [, v]) => a + v, 0)) };
}
