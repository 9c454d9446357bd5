import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectServices, type Services } from '../support/integration';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

// Every panel's SQL, with Grafana's macros expanded as its Postgres data source does, must run
// against the migrated schema: a renamed column fails here, not on someone's wall display.
interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ rawSql: string }>;
}
const dashboard = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'dashboards', 'grafana-executive.json'), 'utf8')) as {
  schemaVersion: number;
  templating: { list: Array<{ name: string; query: string }> };
  panels: Panel[];
};

const expand = (sql: string) =>
  sql
    .replace(/\$__timeFilter\((\w+)\)/g, "$1 BETWEEN now() - interval '7 days' AND now()")
    .replace(/\$\{service:sqlstring\}/g, "'checkout-rag','search-rag'");

let services: Services;
let db: ScratchDatabase;

beforeAll(async () => {
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_grafana');
});
afterAll(async () => {
  await db?.drop();
  await services?.close();
});

describe('dashboards/grafana-executive.json', () => {
  it('is a schemaVersion 39 dashboard on a Postgres data-source variable', () => {
    expect(dashboard.schemaVersion).toBe(39);
    expect(dashboard.templating.list.map((t) => t.name)).toEqual(['datasource', 'service']);
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(10);
    for (const p of panels) expect(p.datasource, p.title).toEqual({ type: 'grafana-postgresql-datasource', uid: '${datasource}' });
  });

  it('every query (and the service variable) runs against the migrated schema', async () => {
    await db.pool.query(dashboard.templating.list[1]!.query);
    for (const p of dashboard.panels) {
      for (const t of p.targets ?? []) {
        await expect(db.pool.query(expand(t.rawSql)), p.title).resolves.toBeDefined();
      }
    }
  });
});
