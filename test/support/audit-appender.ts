// A separate process appending to the audit trail, for the concurrency test: argv = url, batches, batch size, tag.
import { appendAudit } from '../../db/audit-log';
import { createPool } from '../../db/pool';

async function main(): Promise<void> {
  const [url, batches, size, tag] = process.argv.slice(2);
  const pool = createPool(url!, `audit-appender-${tag}`, 2);
  try {
    for (let b = 0; b < Number(batches); b++) {
      const entries = Array.from({ length: Number(size) }, (_, i) => ({ kind: 'test.concurrent', payload: { tag, batch: b, i } }));
      await appendAudit(pool, entries);
    }
  } finally {
    await pool.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
