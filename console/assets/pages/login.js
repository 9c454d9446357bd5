// The login form: POST /v1/auth/login sets the session cookie (httpOnly); then back to where the user was going.
import { ApiError, api } from '../lib.js';

/** Only a path on this site: an absolute or protocol-relative "next" would be an open redirect. */
function nextPath() {
  const next = new URLSearchParams(location.search).get('next') ?? '/incidents';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/incidents';
}

export function show() {
  const form = document.getElementById('login-form');
  const error = document.getElementById('login-error');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    const body = { user: form.elements.user.value, password: form.elements.password.value };
    try {
      await api('/v1/auth/login', { method: 'POST', body });
      location.assign(nextPath());
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : 'could not reach the server';
    }
  });
}
