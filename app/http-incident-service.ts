import { VigilError, type VigilErrorCode } from '../domain/errors';
import type { IncidentService } from './incident-service';

/** How long one API call may take before the CLI gives up on it. */
const TIMEOUT_MS = 30_000;

const CODE_OF: Record<number, VigilErrorCode> = { 400: 'invalid_input', 401: 'unauthorized', 403: 'unauthorized', 404: 'not_found', 409: 'invalid_state', 503: 'unavailable' };

/**
 * The incident operations over a remote Vigil API, authenticated with an API key: what the CLI
 * uses when VIGIL_API_URL is set, so acting from a laptop goes through access control and records
 * the key's user as the actor (instead of needing Temporal and Postgres credentials, i.e. admin).
 */
export function createHttpIncidentService(baseUrl: string, apiKey: string): IncidentService {
  const base = baseUrl.replace(/\/+$/, '');
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new VigilError('unavailable', `cannot reach the Vigil API at ${base} (${(err as Error).message}); check VIGIL_API_URL`);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: a proxy's error page, say; the status says enough.
    }
    if (res.ok) return json as T;
    const message = (json as { message?: string } | null)?.message ?? `HTTP ${res.status}`;
    const hint = res.status === 401 ? ' (check VIGIL_API_KEY; create one with `vigil keys create`)' : '';
    throw new VigilError(CODE_OF[res.status] ?? 'unavailable', `${method} ${path}: ${message}${hint}`, json && typeof json === 'object' ? { ...(json as object) } : undefined);
  }
  const id = (incident: string) => encodeURIComponent(incident);
  return {
    raise: (violation) => call('POST', '/v1/incidents', violation),
    act: async (incident, action, updateId) => {
      const { type, ...body } = action as { type: string } & Record<string, unknown>;
      return call('POST', `/v1/incidents/${id(incident)}/${type}`, body, updateId ? { 'idempotency-key': updateId } : {});
    },
    show: (incident) => call('GET', `/v1/incidents/${id(incident)}`),
    list: async (filter = {}) => {
      const q = new URLSearchParams();
      if (filter.status) q.set('status', filter.status);
      if (filter.service) q.set('service', filter.service);
      if (filter.limit) q.set('limit', String(filter.limit));
      return (await call<{ incidents: Awaited<ReturnType<IncidentService['list']>> }>('GET', `/v1/incidents?${q}`)).incidents;
    },
    clear: async () => {
      throw new VigilError('invalid_input', 'clearing a condition is not an API operation; it comes from the monitors and Alertmanager');
    },
  };
}
