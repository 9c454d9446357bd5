import os from 'node:os';
import type { Command } from 'commander';
import { describeVerifyResult, eraseSubject, verifyAudit } from '../../db/audit-log';
import { auditHead, parseAnchor, type AuditAnchor } from '../../db/audit/head';
import { createPool } from '../../db/pool';
import { VigilError } from '../../domain/errors';
import type { CliContext } from '../context';

function parseSeq(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new VigilError('invalid_input', `${name}: "${v}" is not an entry number (a whole number ≥ 1)`);
  return n;
}

/** Every `--expect <seq>:<hash>`, strictly: one malformed or contradicting another is a usage error (exit 2). */
function parseAnchors(values: readonly string[]): AuditAnchor[] {
  const anchors = values.map((v) => {
    const a = parseAnchor(v);
    if (!a) {
      throw new VigilError(
        'invalid_input',
        `--expect: "${v}" is not an anchor; expected <seq>:<hash> (an entry number ≥ 1, a colon, 64 hex digits: the two fields \`vigil audit head\` prints)`,
      );
    }
    return a;
  });
  for (const a of anchors) {
    const other = anchors.find((b) => b.seq === a.seq && b.hash !== a.hash);
    if (other) throw new VigilError('invalid_input', `--expect: entry ${a.seq} is given two different hashes`);
  }
  return anchors;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `vigil audit verify|head|erase`: check the hash-chained audit trail; erase a data subject's personal data. */
export function registerAuditCommands(program: Command, ctx: () => CliContext): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');
  audit
    .command('verify')
    .description('recompute the hash chain and name the first bad entry (changed, deleted, inserted, reordered)')
    .option('--from <seq>', 'first entry to check')
    .option('--to <seq>', 'last entry to check')
    .option('--expect <seq:hash>', 'a head printed earlier by `vigil audit head`, kept outside the database: that entry must still have that hash (repeatable)', collect)
    .action(async (o: { from?: string; to?: string; expect?: string[] }) => {
      const from = parseSeq('--from', o.from);
      const to = parseSeq('--to', o.to);
      const anchors = parseAnchors(o.expect ?? []);
      const pool = createPool(ctx().databaseUrl(), 'vigil-audit', 4);
      try {
        const r = await verifyAudit(pool, { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(anchors.length ? { anchors } : {}) });
        console.log(describeVerifyResult(r));
        if (r.ok && anchors.length) console.log(`anchors ok: ${r.anchors} of ${anchors.length} still match`);
        if (!r.ok) throw new VigilError('invalid_state', 'the audit trail failed verification');
      } finally {
        await pool.end();
      }
    });
  audit
    .command('head')
    .description('print the chain head as "<seq> <hash>", to keep outside the database; check it later with `verify --expect <seq>:<hash>`')
    .option('--json', 'print {"seq": …, "hash": …}')
    .action(async (o: { json?: boolean }) => {
      const pool = createPool(ctx().databaseUrl(), 'vigil-audit', 1);
      try {
        const head = await auditHead(pool);
        // An empty trail has nothing to anchor; storing an empty answer as if it were one would hide that.
        if (!head) throw new VigilError('not_found', 'the audit trail is empty: there is no head to keep yet');
        console.log(o.json ? JSON.stringify(head) : `${head.seq} ${head.hash}`);
      } finally {
        await pool.end();
      }
    });
  audit
    .command('erase')
    .description("GDPR erasure: delete a data subject's personal data from the trail (the chain stays valid; the erasure is audited)")
    .requiredOption('--subject <id>', 'data subject id')
    .option('--by <who>', 'who erases', `cli:${os.userInfo().username}`)
    .action(async (o: { subject: string; by: string }) => {
      const pool = createPool(ctx().databaseUrl(), 'vigil-audit', 1);
      try {
        const r = await eraseSubject(pool, o.subject, o.by);
        console.log(`erased ${r.erased} personal record(s) of the subject; recorded as audit entry ${r.erasureSeq}`);
      } finally {
        await pool.end();
      }
    });
}
