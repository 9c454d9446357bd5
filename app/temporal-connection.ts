import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { VIGIL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/** How to reach Temporal: the same code talks to the dev server, a self-hosted cluster or Temporal Cloud. */
export interface TemporalTarget {
  address: string;
  namespace: string;
}

function tlsFromEnv(env: NodeJS.ProcessEnv) {
  const cert = env.TEMPORAL_TLS_CERT_PATH;
  const key = env.TEMPORAL_TLS_KEY_PATH;
  const ca = env.TEMPORAL_TLS_CA_PATH;
  if (!cert && !key && !ca && env.TEMPORAL_TLS !== 'true' && !env.TEMPORAL_API_KEY) return undefined;
  if ((cert && !key) || (!cert && key)) throw new Error('set both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH for mTLS, or neither');
  return {
    ...(cert && key ? { clientCertPair: { crt: fs.readFileSync(cert), key: fs.readFileSync(key) } } : {}),
    ...(ca ? { serverRootCACertificate: fs.readFileSync(ca) } : {}),
  };
}

function connectionOptions(target: TemporalTarget, env: NodeJS.ProcessEnv) {
  const tls = tlsFromEnv(env);
  return { address: target.address, ...(tls ? { tls } : {}), ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}) };
}

/** A client for API, CLI and Slack processes. */
export async function connectClient(target: TemporalTarget, env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(target, env));
  return new Client({ connection, namespace: target.namespace });
}

/** The native connection workers poll with. */
export async function connectWorker(target: TemporalTarget, env: NodeJS.ProcessEnv = process.env): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(target, env));
}

/** Registers Vigil's search attributes (already-registered ones are fine); needed once per namespace. */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = VIGIL_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
}
