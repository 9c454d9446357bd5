// Who is on call now and next, per schedule (config `schedules:`).
import { api, el, fmtTime, render, table } from '../lib.js';

export async function show() {
  const { schedules } = await api('/console/data/oncall');
  render(
    schedules.length
      ? table('On call now and next', [
          { label: 'Schedule', value: (s) => s.schedule },
          { label: 'Now', value: (s) => (s.now ? `${s.now.user} (${s.now.layer})` : 'nobody') },
          { label: 'Until', value: (s) => (s.now?.until ? fmtTime(s.now.until) : '—') },
          { label: 'Next', value: (s) => (s.next ? `${s.next.user} (${s.next.layer})` : '—') },
          { label: 'From', value: (s) => (s.next ? fmtTime(s.next.from) : '—') },
        ], schedules, (s) => ({ 'data-schedule': s.schedule }))
      : el('p', { class: 'muted' }, 'No on-call schedules configured (config schedules:).'),
  );
}
