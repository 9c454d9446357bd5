// Entry point of every console page: theme, logout, then the module for <body data-page>.
import { api, errorBox, render } from './lib.js';

const PAGES = {
  incidents: () => import('./pages/incidents.js'),
  incident: () => import('./pages/incident.js'),
  services: () => import('./pages/services.js'),
  service: () => import('./pages/service.js'),
  exec: () => import('./pages/exec.js'),
  oncall: () => import('./pages/oncall.js'),
  silences: () => import('./pages/silences.js'),
  compliance: () => import('./pages/compliance.js'),
  experiments: () => import('./pages/experiments.js'),
  experiment: () => import('./pages/experiments.js'),
  login: () => import('./pages/login.js'),
};

function setupTheme() {
  const saved = localStorage.getItem('vigil-theme');
  if (saved === 'dark' || saved === 'light') document.documentElement.dataset.theme = saved;
  const toggle = document.getElementById('theme-toggle');
  if (!toggle) return;
  const current = () => document.documentElement.dataset.theme ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  const label = () => toggle.setAttribute('aria-pressed', String(current() === 'dark'));
  label();
  toggle.addEventListener('click', () => {
    const next = current() === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('vigil-theme', next);
    label();
  });
}

function setupLogout() {
  document.getElementById('logout')?.addEventListener('click', async () => {
    try {
      await api('/v1/auth/logout', { method: 'POST' });
    } finally {
      location.assign('/login');
    }
  });
}

async function start() {
  setupTheme();
  setupLogout();
  const page = document.body.dataset.page;
  const load = PAGES[page];
  if (!load) return;
  try {
    const mod = await load();
    await mod.show(document.getElementById('main')?.dataset ?? {});
    // When the page had everything it asked for (ms since navigation): what the bench reads beside the first chart.
    document.body.dataset.complete = String(performance.now());
  } catch (err) {
    render(errorBox(err));
  }
}

void start();
