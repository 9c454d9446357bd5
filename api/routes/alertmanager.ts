import { createHash } from 'node:crypto';
import { sameSecret } from '../auth/credentials';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { IncidentService } from '../../app/incident-service';
import { VigilError } from '../../domain/errors';
import type { Severity } from '../../domain/severity';
import { sanitizeText } from '../../domain/text';
import { violationSchema, type Violation } from '../../domain/violation';
import { parseOr400 } from '../errors';

const labelMap = z.record(z.string(), z.string());

/** One alert of an Alertmanager webhook (v4); unknown fields (Grafana adds some) are ignored. */
export const alertmanagerAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: z.string().min(1).max(64),
  endsAt: z.string().max(64).optional(),
  generatorURL: z.string().max(2000).optional(),
  fingerprint: z.string().min(1).max(100),
});

/** The Alertmanager webhook payload, version 4 (`webhook_config` in alertmanager.yml). */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(alertmanagerAlertSchema).max(1000),
});

export type AlertmanagerAlert = z.output<typeof alertmanagerAlertSchema>;
export type AlertmanagerPayload = z.input<typeof alertmanagerPayloadSchema>;

const SEVERITY: Record<string, Severity> = {
  critical: 'critical',
  page: 'critical',
  high: 'high',
  error: 'high',
  major: 'high',
  warning: 'medium',
  warn: 'medium',
  medium: 'medium',
  low: 'low',
  minor: 'low',
  info: 'info',
  informational: 'info',
  none: 'info',
};

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Labels that already are the incident's service, kind or severity: not part of "which one".
const NOT_DIMENSION = new Set(['alertname', 'severity']);

/** Makes any text a valid service/kind name (domain/names.ts): invalid characters become "_". */
function asName(text: string | undefined, fallback: string): string {
  const cleaned = (text ?? '').replace(/[^A-Za-z0-9._:-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100);
  return cleaned || fallback;
}

/** The first `n` UTF-16 units of text, one fewer when the cut would split a surrogate pair (a lone half is invalid text). */
function head(text: string, n: number): string {
  const code = text.charCodeAt(n - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${head(text, max - 1)}…`);

/**
 * The incident key of an alert: service from `service` (else `job`), kind from `alertname`,
 * dimension from the remaining labels sorted by name, so the same alert always lands in the same
 * incident, whatever its severity or annotations.
 */
export function alertKey(labels: Record<string, string>): Pick<Violation, 'service' | 'kind' | 'dimension'> {
  const serviceLabel = labels.service !== undefined ? 'service' : labels.job !== undefined ? 'job' : undefined;
  const parts = Object.keys(labels)
    .filter((k) => k !== serviceLabel && !NOT_DIMENSION.has(k))
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  let dimension = parts.join(',');
  if (dimension.length > 200) {
    // Long label sets keep a readable prefix and a hash of the whole, so two of them never collide.
    dimension = `${head(dimension, 183)}#${createHash('sha256').update(dimension).digest('hex').slice(0, 16)}`;
  }
  return { service: asName(serviceLabel && labels[serviceLabel], 'prometheus'), kind: asName(labels.alertname, 'alert'), dimension };
}

/** The label a sanitised alert's incident carries, so people know its text was altered. */
export const SANITIZED_LABEL = 'vigil_sanitized';

const sanitizeMap = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [sanitizeText(k), sanitizeText(v)]));

/**
 * The alert with every character Postgres or the channels cannot carry (NUL, lone surrogates,
 * control characters) replaced by U+FFFD. Alertmanager cannot fix its alerts when refused, so they
 * are kept, visibly altered, rather than refused; `sanitized` says whether anything changed.
 */
export function sanitizeAlert(alert: AlertmanagerAlert): { alert: AlertmanagerAlert; sanitized: boolean } {
  const clean: AlertmanagerAlert = {
    ...alert,
    labels: sanitizeMap(alert.labels),
    annotations: sanitizeMap(alert.annotations),
    startsAt: sanitizeText(alert.startsAt),
    fingerprint: sanitizeText(alert.fingerprint),
  };
  const sanitized = JSON.stringify([clean.labels, clean.annotations, clean.startsAt, clean.fingerprint]) !== JSON.stringify([alert.labels, alert.annotations, alert.startsAt, alert.fingerprint]);
  return { alert: sanitized ? clean : alert, sanitized };
}

/** The violation a firing alert reports; its occurrence id makes Alertmanager's repeats count once. */
export function alertToViolation(raw: AlertmanagerAlert): Violation {
  const { alert, sanitized } = sanitizeAlert(raw);
  const labels = Object.fromEntries(
    Object.entries(alert.labels)
      .filter(([k]) => LABEL_NAME.test(k) && k !== SANITIZED_LABEL)
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(0, sanitized ? 31 : 32)
      .map(([k, v]) => [k, cut(v, 500)]),
  );
  if (sanitized) labels[SANITIZED_LABEL] = 'true';
  const key = alertKey(alert.labels);
  const summary = alert.annotations.summary?.trim();
  const description = alert.annotations.description?.trim();
  return violationSchema.parse({
    ...key,
    severity: SEVERITY[(alert.labels.severity ?? '').toLowerCase()] ?? 'high',
    title: cut(summary || alert.labels.alertname?.trim() || key.kind, 300),
    ...(description ? { impact: cut(description, 1000) } : {}),
    labels,
    occurrenceId: cut(`${alert.fingerprint}:${alert.startsAt}`, 200),
  });
}

function bearerMatches(header: string | undefined, token: string): boolean {
  return sameSecret(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? null, token);
}

export interface AlertmanagerDeps {
  incidents: IncidentService;
  /** When set, requests must carry `Authorization: Bearer <token>` (alertmanager.yml: http_config.authorization). */
  token?: string;
}

/**
 * `POST /v1/alertmanager`: an Alertmanager webhook receiver. Firing alerts raise (or repeat)
 * incidents; resolved alerts clear them. Everything is idempotent, so Alertmanager's retries of
 * a failed delivery (any non-2xx) are harmless.
 */
export function alertmanagerRoutes(app: FastifyInstance, deps: AlertmanagerDeps): void {
  app.post('/v1/alertmanager', async (req) => {
    const { token } = deps;
    // An API key already checked by the access layer (api/auth) stands in for the shared token.
    if (token !== undefined && req.principal?.via !== 'api-key' && !bearerMatches(req.headers.authorization, token)) {
      throw new VigilError('unauthorized', 'Authorization must be "Bearer <ALERTMANAGER_TOKEN>"');
    }
    const payload = parseOr400(alertmanagerPayloadSchema, req.body, 'body');
    let raised = 0;
    let cleared = 0;
    // In small parallel chunks: a big group stays well inside Alertmanager's webhook timeout.
    for (let i = 0; i < payload.alerts.length; i += 16) {
      await Promise.all(
        payload.alerts.slice(i, i + 16).map(async (alert) => {
          if (alert.status === 'firing') {
            await deps.incidents.raise(alertToViolation(alert));
            raised++;
          } else {
            const { labels } = sanitizeAlert(alert).alert;
            if (await deps.incidents.clear(alertKey(labels), `Alertmanager: ${labels.alertname ?? 'alert'} resolved`)) cleared++;
          }
        }),
      );
    }
    return { raised, cleared };
  });
}
