import type { Client } from '@temporalio/client';

/** What the incident-path benchmarks (latency, ingest, tuning) run against: the bench's servers and bundle. */
export interface SpeedDeps {
  client: Client;
  temporalAddress: string;
  namespace: string;
  databaseUrl: string;
  /** The bundle of workflows/index.ts. */
  bundleCode: string;
  log: (line: string) => void;
}
