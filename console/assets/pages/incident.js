// One incident: facts, who was paged, deliveries per channel, the live timeline, and the actions —
// the same workflow Updates Slack uses, through the API; a refusal is shown with the workflow's reason.
import { ApiError, api, el, fmtDuration, fmtTime, liveIncidents, render } from '../lib.js';

const DELIVERY_TYPES = new Set(['notified', 'notify_failed', 'notify_retry', 'queued']);

/** The incident in one shape, whether live (workflow) or closed (history). */
function normalise(d) {
  if (d.source === 'workflow') {
    const s = d.state;
    return {
      live: true, workflowId: s.workflowId, title: s.title, service: s.service, kind: s.kind, severity: s.severity, status: s.status,
      openedAt: s.openedAt, ack: s.acknowledged, resolved: s.resolved, snoozedUntil: s.snoozedUntil, occurrences: s.occurrences,
      policy: s.policyName, timeline: s.timeline, messages: s.messages, uiUrl: s.settings?.uiUrl ?? null,
    };
  }
  const r = d.row;
  return {
    live: false, workflowId: r.workflow_id, title: r.title, service: r.service, kind: r.kind, severity: r.severity, status: r.status,
    openedAt: Date.parse(r.opened_at), ack: r.acknowledged_at ? { by: r.acknowledged_by, at: Date.parse(r.acknowledged_at) } : null,
    resolved: r.resolved_at ? { by: r.resolved_by, at: Date.parse(r.resolved_at) } : null, snoozedUntil: null, occurrences: r.occurrences,
    policy: null, timeline: d.events.map((e) => ({ ...e, at: Date.parse(e.at) })), messages: [], uiUrl: null,
  };
}

/** Delivery outcomes grouped by target (channel), from the timeline. */
function deliveries(timeline) {
  const by = new Map();
  for (const e of timeline) {
    if (!DELIVERY_TYPES.has(e.type)) continue;
    const target = e.data?.target ?? /^(?:Notified|Notifying) ([^: ]+)/.exec(e.text)?.[1] ?? 'unknown';
    const d = by.get(target) ?? { target, ok: 0, failed: 0, other: 0, last: '' };
    if (e.type === 'notified') d.ok += 1;
    else if (e.type === 'notify_failed') d.failed += 1;
    else d.other += 1;
    d.last = e.text;
    by.set(target, d);
  }
  return [...by.values()];
}

function actions(id, result, refresh) {
  const act = async (name, body, button) => {
    button.disabled = true;
    result.className = 'result';
    result.textContent = `${name}…`;
    try {
      const r = await api(`/v1/incidents/${encodeURIComponent(id)}/${name}`, { method: 'POST', body });
      result.className = r.changed ? 'result ok' : 'result warn';
      result.textContent = r.message;
      await refresh();
    } catch (err) {
      result.className = 'result error';
      result.textContent = err instanceof ApiError ? `Refused: ${err.message}` : `Failed: ${err.message}`;
    } finally {
      button.disabled = false;
    }
  };
  const btn = (label, name, body = () => ({})) => {
    const b = el('button', { type: 'button', 'data-action': name }, label);
    b.addEventListener('click', () => act(name, body(), b));
    return b;
  };
  const snoozeFor = el('select', { id: 'snooze-for', 'aria-label': 'Snooze for' }, [['15', '15 min'], ['60', '1 h'], ['240', '4 h']].map(([v, t]) => el('option', { value: v }, t)));
  const reason = el('input', { id: 'resolve-reason', placeholder: 'reason (optional)', 'aria-label': 'Resolve reason' });
  const note = el('input', { id: 'note-text', placeholder: 'note', 'aria-label': 'Note text' });
  return el('section', { 'aria-label': 'Actions' },
    el('div', { class: 'actions' },
      btn('Acknowledge', 'acknowledge'),
      el('span', {}, btn('Resolve', 'resolve', () => (reason.value.trim() ? { reason: reason.value.trim() } : {})), ' ', reason),
      el('span', {}, btn('Snooze', 'snooze', () => ({ until: new Date(Date.now() + Number(snoozeFor.value) * 60_000).toISOString() })), ' ', snoozeFor),
      btn('Escalate now', 'escalate'),
      el('span', {}, btn('Add note', 'note', () => ({ text: note.value })), ' ', note)));
}

export async function show(params) {
  const id = params.id;
  const canAct = document.body.dataset.canAct === 'true';
  const result = el('p', { class: 'result', role: 'status', id: 'action-result' });
  const holder = el('div');
  let reading = null;
  let again = false;
  // One read at a time; a change arriving during a read triggers one more read after it.
  async function refresh() {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        await draw();
      } while (again);
    })().finally(() => (reading = null));
    return reading;
  }
  async function draw() {
    const inc = normalise(await api(`/v1/incidents/${encodeURIComponent(id)}`));
    document.title = `${inc.title} · Vigil`;
    const ackS = inc.ack ? (inc.ack.at - inc.openedAt) / 1000 : null;
    const resS = inc.resolved ? (inc.resolved.at - inc.openedAt) / 1000 : null;
    const base = params.temporalUi ?? document.body.dataset.temporalUi;
    const ui = inc.uiUrl ?? base;
    const paged = inc.timeline.filter((e) => e.type === 'paged' || e.type === 'escalated' || e.type === 'escalate_now');
    holder.replaceChildren(
      el('h2', {}, inc.title),
      el('dl', { class: 'facts' },
        el('dt', {}, 'Status'), el('dd', { id: 'incident-status', 'data-status': inc.status }, inc.status + (inc.snoozedUntil ? ` until ${fmtTime(inc.snoozedUntil)}` : '')),
        el('dt', {}, 'Service'), el('dd', {}, el('a', { href: `/services/${encodeURIComponent(inc.service)}` }, inc.service)),
        el('dt', {}, 'Severity'), el('dd', {}, inc.severity),
        el('dt', {}, 'Kind'), el('dd', {}, inc.kind),
        el('dt', {}, 'Opened'), el('dd', {}, fmtTime(inc.openedAt)),
        el('dt', {}, 'Acknowledged'), el('dd', {}, inc.ack ? `${inc.ack.by} at ${fmtTime(inc.ack.at)} (time to ack ${fmtDuration(ackS)})` : '—'),
        el('dt', {}, 'Resolved'), el('dd', {}, inc.resolved ? `${inc.resolved.by} at ${fmtTime(inc.resolved.at)} (time to resolve ${fmtDuration(resS)})` : '—'),
        el('dt', {}, 'Occurrences'), el('dd', {}, String(inc.occurrences)),
        el('dt', {}, 'Policy'), el('dd', {}, inc.policy ?? '—'),
        el('dt', {}, 'Workflow'), el('dd', {}, ui ? el('a', { href: `${ui}/workflows/${encodeURIComponent(inc.workflowId)}`, rel: 'noopener', id: 'temporal-link' }, `${inc.workflowId} in the Temporal UI`) : inc.workflowId)),
      el('h2', {}, 'Who was paged'),
      paged.length ? el('ul', { id: 'paged' }, paged.map((e) => el('li', {}, `${fmtTime(e.at)} — ${e.text}`))) : el('p', { class: 'muted' }, 'Nobody paged yet.'),
      el('h2', {}, 'Deliveries per channel'),
      el('div', { class: 'table-wrap', tabindex: '0' }, el('table', { id: 'deliveries' },
        el('thead', {}, el('tr', {}, ['Target', 'Delivered', 'Failed', 'Queued / retried', 'Last'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, deliveries(inc.timeline).map((d) => el('tr', {}, el('td', {}, d.target), el('td', { class: 'num' }, String(d.ok)), el('td', { class: 'num' }, String(d.failed)), el('td', { class: 'num' }, String(d.other)), el('td', {}, d.last)))))),
      el('h2', {}, 'Timeline', inc.live ? el('span', { class: 'live' }, ' (live)') : null),
      el('ol', { class: 'timeline', id: 'timeline', 'aria-live': 'polite' }, [...inc.timeline].reverse().map((e) =>
        el('li', { 'data-type': e.type }, el('time', { datetime: new Date(e.at).toISOString() }, fmtTime(e.at)), el('strong', {}, e.type), ` ${e.actor}: ${e.text}`))),
    );
    holder.dataset.read = String(Date.now());
  }
  // The page re-reads the incident only when its projection moves (an ack from Slack, an escalation, a
  // delivery), told over the tab's one live stream, instead of polling.
  liveIncidents(({ incidents }) => {
    const mine = incidents.filter((c) => c.fingerprint === id || c.id === id || c.workflowId === id);
    if (!mine.length) return;
    holder.dataset.liveSeq = String(Math.max(...mine.map((c) => c.lastSeq)));
    refresh().catch(() => undefined);
  });
  render(canAct ? actions(id, result, refresh) : el('p', { class: 'muted' }, 'You can view this incident; acting on it needs the incidents:write scope.'), result, holder);
  await refresh();
}
