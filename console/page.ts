// The HTML frame every console page shares: navigation, theme, the signed-in user. Page content is
// drawn by /assets/app.js from the JSON the API serves, so no data and no script is inline.
import { hasScope, type Scope } from '../domain/auth/scopes';
import type { Principal } from '../api/auth/principal';

/** Strict: scripts and styles only from files this server serves; no framing; forms post here only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every console response carries. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text safe inside an element or a quoted attribute. */
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export const NAV: ReadonlyArray<{ page: string; href: string; label: string; scope: Scope }> = [
  { page: 'incidents', href: '/incidents', label: 'Incidents', scope: 'incidents:read' },
  { page: 'services', href: '/services', label: 'Services', scope: 'incidents:read' },
  { page: 'exec', href: '/exec', label: 'Executive', scope: 'analytics:read' },
  { page: 'oncall', href: '/oncall', label: 'On call', scope: 'incidents:read' },
  { page: 'silences', href: '/silences', label: 'Silences', scope: 'silences:read' },
  { page: 'compliance', href: '/compliance', label: 'Compliance', scope: 'compliance:read' },
  { page: 'experiments', href: '/experiments', label: 'Experiments', scope: 'experiments:read' },
];

export interface PageInput {
  page: string;
  title: string;
  principal?: Principal;
  /** Page parameters for the client (data-* attributes on <main>), e.g. the incident id. */
  params?: Record<string, string>;
  temporalUiUrl?: string;
}

const HEAD = (title: string, csrf: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(title)} · Vigil</title>
${csrf ? `<meta name="csrf-token" content="${esc(csrf)}">\n` : ''}<link rel="stylesheet" href="/assets/vendor/uPlot.min.css">
<link rel="stylesheet" href="/assets/console.css">
<script type="module" src="/assets/app.js"></script>
</head>`;

/** A console page: the frame, with <main> left for the page module to fill. */
export function renderPage(p: PageInput): string {
  const scopes = p.principal?.scopes ?? [];
  const can = (s: Scope) => hasScope(scopes, s);
  const nav = NAV.filter((n) => can(n.scope))
    .map((n) => `<li><a href="${n.href}"${n.page === p.page ? ' aria-current="page"' : ''}>${n.label}</a></li>`)
    .join('');
  const params = Object.entries(p.params ?? {}).map(([k, v]) => ` data-${k}="${esc(v)}"`).join('');
  const flags = [
    can('incidents:write') ? ' data-can-act="true"' : '',
    can('silences:write') ? ' data-can-silence="true"' : '',
    can('experiments:write') ? ' data-can-experiment="true"' : '',
    p.temporalUiUrl ? ` data-temporal-ui="${esc(p.temporalUiUrl)}"` : '',
  ].join('');
  return `${HEAD(p.title, p.principal?.csrfToken ?? '')}
<body data-page="${esc(p.page)}"${flags}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/">Vigil</a>
<nav aria-label="Main"><ul>${nav}</ul></nav>
<div class="who">
<button type="button" id="theme-toggle" aria-label="Switch between dark and light theme">Theme</button>
<span class="user">${esc(p.principal?.name ?? '')}</span>
<button type="button" id="logout">Log out</button>
</div>
</header>
<main id="main"${params}>
<h1>${esc(p.title)}</h1>
<div id="app"><p class="muted">Loading…</p></div>
</main>
</body>
</html>
`;
}

/** The login page: a form the client script posts to POST /v1/auth/login. */
export function renderLogin(): string {
  return `${HEAD('Log in', '')}
<body data-page="login">
<main id="main" class="login">
<h1>Vigil</h1>
<form id="login-form" method="post" action="/login">
<label for="user">User</label>
<input id="user" name="user" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
<p id="login-error" class="error" role="alert"></p>
</form>
</main>
</body>
</html>
`;
}
