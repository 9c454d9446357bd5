import os from 'node:os';
import type { Command } from 'commander';
import { describeVerifyResult, eraseSubject, verifyAudit } from '../../db/audit-log';
import { createPool } from '../../db/pool';
import { VigilError } from '../../domain/errors';
import type { CliContext } from '../context';

function parseSeq(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new VigilError('invalid_input', `${name}: "${v}" is not an entry number (a whole number ≥ 1)`);
  return n;
}

/** `vigil audit verify|erase`: check the hash-chained audit trail; erase a data subject's personal data. */
export function registerAuditCommands(program: Command, ctx: () => CliContext): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');
  audit
    .command('verify')
    .description('recompute the hash chain and name the first bad entry (changed, deleted, inserted, reordered)')
    .option('--from <seq>', 'first entry to check')
    .option('--to <seq>', 'last entry to check')
    .action(async (o: { from?: string; to?: string }) => {
      const from = parseSeq('--from', o.from);
      const to = parseSeq('--to', o.to);
      const pool = createPool(ctx().databaseUrl(), 'vigil-audit', 4);
      try {
        const r = await verifyAudit(pool, { ...(from ? { from } : {}), ...(to ? { to } : {}) });
        console.log(describeVerifyResult(r));
        if (!r.ok) throw new VigilError('invalid_state', 'the audit trail failed verification');
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
