// Silences: list, create (with a preview of the open incidents it would mute), expire.
import { ApiError, api, el, fmtTime, render, table } from '../lib.js';

const matchersOf = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);

export async function show() {
  const canWrite = document.body.dataset.canSilence === 'true';
  const result = el('p', { class: 'result', role: 'status', id: 'silence-result' });
  async function draw() {
    const { silences } = await api('/v1/silences');
    list.replaceChildren(table(`${silences.length} active or pending silence${silences.length === 1 ? '' : 's'}`, [
      { label: 'Matchers', value: (s) => s.matchers.map((m) => `${m.name}${m.op}"${m.value}"`).join(', ') },
      { label: 'From', value: (s) => fmtTime(s.startsAt) },
      { label: 'Until', value: (s) => fmtTime(s.endsAt) },
      { label: 'By', value: (s) => s.createdBy },
      { label: 'Comment', value: (s) => s.comment },
      ...(canWrite ? [{ label: 'Action', value: (s) => {
        const b = el('button', { type: 'button', 'data-expire': s.id }, 'Expire');
        b.addEventListener('click', async () => {
          try {
            await api(`/v1/silences/${s.id}`, { method: 'DELETE' });
            result.className = 'result ok';
            result.textContent = 'Silence expired.';
            await draw();
          } catch (err) {
            result.className = 'result error';
            result.textContent = `Refused: ${err.message}`;
          }
        });
        return b;
      } }] : []),
    ], silences));
  }
  const list = el('div');
  const form = el('form', { id: 'silence-form', 'aria-label': 'New silence' },
    el('label', { for: 'matchers' }, 'Matchers (one per line, e.g. service="checkout-rag")'),
    el('textarea', { id: 'matchers', name: 'matchers', rows: '3', cols: '50', required: true }),
    el('p', { id: 'preview', class: 'muted', role: 'status' }, 'Type matchers to see what they would mute.'),
    el('label', { for: 'duration' }, 'Duration'),
    el('select', { id: 'duration', name: 'duration' }, ['30m', '1h', '2h', '4h', '8h', '24h'].map((d) => el('option', { value: d }, d))),
    el('label', { for: 'comment' }, 'Comment'),
    el('input', { id: 'comment', name: 'comment', required: true }),
    el('p', {}, el('button', { type: 'submit', class: 'primary' }, 'Create silence')));
  const preview = form.querySelector('#preview');
  let pending;
  form.elements.matchers.addEventListener('input', () => {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      const ms = matchersOf(form.elements.matchers.value);
      if (!ms.length) return void (preview.textContent = 'Type matchers to see what they would mute.');
      try {
        const p = await api(`/console/data/silence-preview?${ms.map((m) => `matchers=${encodeURIComponent(m)}`).join('&')}`);
        preview.className = '';
        preview.textContent = `Would mute ${p.wouldMute} open incident${p.wouldMute === 1 ? '' : 's'} (of ${p.of})${p.incidents.length ? `: ${p.incidents.map((i) => `${i.service} ${i.kind}`).join(', ')}` : ''}`;
        preview.dataset.wouldMute = String(p.wouldMute);
      } catch (err) {
        preview.className = 'error';
        preview.textContent = err instanceof ApiError ? err.message : String(err);
      }
    }, 250);
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api('/v1/silences', { method: 'POST', body: { matchers: matchersOf(form.elements.matchers.value), duration: form.elements.duration.value, comment: form.elements.comment.value } });
      result.className = 'result ok';
      result.textContent = 'Silence created.';
      form.reset();
      await draw();
    } catch (err) {
      result.className = 'result error';
      result.textContent = `Refused: ${err.message}`;
    }
  });
  render(result, list, canWrite ? el('section', {}, el('h2', {}, 'New silence'), form) : el('p', { class: 'muted' }, 'Creating silences needs the silences:write scope.'));
  await draw();
}
