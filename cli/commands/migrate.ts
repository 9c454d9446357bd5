import type { Command } from 'commander';
import { migrate } from '../../db/migrate';
import { createPool, redactUrl } from '../../db/pool';
import type { CliContext } from '../context';

/** `vigil migrate`: apply pending database migrations (also done at every start). */
export function registerMigrateCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('migrate')
    .description('apply pending Postgres migrations to DATABASE_URL (or the running dev stack)')
    .action(async () => {
      const c = ctx();
      const url = c.databaseUrl();
      const pool = createPool(url, 'vigil-migrate', 1);
      try {
        const applied = await migrate(pool);
        console.log(applied.length ? `applied ${applied.join(', ')} to ${redactUrl(url)}` : `${redactUrl(url)} is up to date`);
      } finally {
        await pool.end();
      }
    });
}
