// Shared by every page: DOM building (text only, never HTML strings), API calls with the CSRF token, formats.

/** An element with attributes and children; strings become text nodes, so API data is never parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

export const app = () => document.getElementById('app');
export const main = () => document.getElementById('main');
const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

/** The API's refusal, as { status, error, message }, thrown by api(). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Calls the API with the session cookie; writes carry X-CSRF-Token. A lapsed session goes to the login. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf();
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 401 && path !== '/v1/auth/login') {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, { message: 'session ended' });
  }
  const type = res.headers.get('content-type') ?? '';
  const data = res.status === 204 ? null : type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, typeof data === 'object' ? data : { message: String(data) });
  return data;
}

export const fmtTime = (t) => (t === null || t === undefined ? '—' : new Date(t).toISOString().replace('T', ' ').slice(0, 19) + 'Z');
export const fmtPct = (x, digits = 2) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)} %`);
export const fmtNum = (x, digits = 0) => (x === null || x === undefined ? '—' : Number(x).toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
export const fmtUsd = (x, digits = 4) => (x === null || x === undefined ? '—' : `$${Number(x).toFixed(digits)}`);
export function fmtDuration(s) {
  if (s === null || s === undefined) return '—';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
export function fmtDelta(change, digits = 2, unit = '') {
  if (change === null || change === undefined) return 'no previous period';
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  return `${sign}${Math.abs(change).toFixed(digits)}${unit} vs previous`;
}

/** Replaces the page body with these nodes. */
export function render(...nodes) {
  app().replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false));
}

/** A table from column specs: { label, value(row) → node|string, num? }. */
export function table(caption, columns, rows, rowAttrs = () => ({})) {
  return el('div', { class: 'table-wrap', tabindex: '0' },
    el('table', {},
      el('caption', { class: 'muted' }, caption),
      el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.label)))),
      el('tbody', {}, rows.map((r) => el('tr', rowAttrs(r), columns.map((c) => el('td', { class: c.num ? 'num' : undefined }, c.value(r))))))));
}

export function errorBox(err) {
  return el('p', { class: 'error', role: 'alert' }, err instanceof ApiError ? `${err.status}: ${err.message}` : String(err?.message ?? err));
}

/** One EventSource per browser tab for every live feed (the API fans one reader out to all). */
let stream;
function live(event, on) {
  stream ??= new EventSource('/console/events');
  stream.addEventListener(event, (ev) => on(JSON.parse(ev.data)));
  return stream;
}

/** New metric windows, judged: { sentAt, services }. */
export const liveWindows = (onWindows) => live('windows', onWindows);
/** Incidents whose state moved on: { sentAt, incidents: [{ id, fingerprint, workflowId, status, lastSeq }] }. */
export const liveIncidents = (onIncidents) => live('incidents', onIncidents);
