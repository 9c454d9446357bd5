import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import type { IncidentService } from '../../app/incident-service';
import { claimsIgnoringExpiry, verifyActionToken, type ActionTokenClaims, type ActionTokenRefusal, type LinkAction } from '../../domain/action-token';
import { VigilError } from '../../domain/errors';

/** What the link routes need: the incident operations, the database holding used nonces, and the signing secret. */
export interface ActionLinkDeps {
  incidents: IncidentService;
  pool: Pool;
  /** The HMAC secret links are signed with (the same one the worker's link builder uses). */
  secret: string;
}

const BUTTON: Record<LinkAction, string> = { acknowledge: 'Acknowledge incident', resolve: 'Resolve incident' };
const DONE: Record<LinkAction, string> = { acknowledge: 'Incident acknowledged', resolve: 'Incident resolved' };
const ELSEWHERE = 'Use Slack, the CLI (<code>vigil incidents</code>) or the API instead.';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function when(at: Date | number): string {
  return new Date(at).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

/** A small self-contained page: no scripts and no outside resources, so the token in the URL leaks nowhere. */
function page(reply: FastifyReply, status: number, title: string, bodyHtml: string): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
    .send(
      `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · Vigil</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}code{word-break:break-all}button{font-size:1rem;padding:.6rem 1.2rem}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
${bodyHtml}
</body></html>
`,
    );
}

function incidentLine(c: ActionTokenClaims): string {
  return `<p>Incident <code>${escapeHtml(c.workflowId)}</code></p>`;
}

function refused(reply: FastifyReply, token: string, secret: string, reason: ActionTokenRefusal): FastifyReply {
  const expired = reason === 'expired' ? claimsIgnoringExpiry(token, secret) : null;
  if (expired) {
    return page(reply, 410, 'Link expired', `${incidentLine(expired)}<p>This link expired at ${when(expired.expiresAt)}; use Slack or the CLI.</p>`);
  }
  // A well-formed token with a wrong signature was edited or is not ours: refused as forbidden, not as malformed input.
  return page(reply, reason === 'bad_signature' ? 403 : 400, 'Link not valid', `<p>This link is not valid. ${ELSEWHERE}</p>`);
}

function alreadyUsed(reply: FastifyReply, c: ActionTokenClaims, at: Date | null): FastifyReply {
  const time = at ? ` at ${when(at)}` : '';
  return page(reply, 409, 'Link already used', `${incidentLine(c)}<p>This link was already used${time}. ${ELSEWHERE}</p>`);
}

async function usedAt(pool: Pool, nonce: string): Promise<Date | null> {
  const r = await pool.query<{ used_at: Date }>('SELECT used_at FROM action_token_uses WHERE nonce = $1', [nonce]);
  return r.rows[0]?.used_at ?? null;
}

/** Claims the link in one statement; false when someone (or a double click) claimed it first. */
async function claim(pool: Pool, c: ActionTokenClaims, ip: string): Promise<boolean> {
  const r = await pool.query(
    `INSERT INTO action_token_uses (nonce, workflow_id, action, recipient, used_by_ip) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (nonce) DO NOTHING`,
    [c.nonce, c.workflowId, c.action, c.recipient, ip || null],
  );
  return r.rowCount === 1;
}

function tokenOf(req: FastifyRequest): string {
  return (req.params as Record<string, string | undefined>)['*'] ?? '';
}

/**
 * Signed one-click links from email: GET shows a confirmation page and never changes anything (mail
 * scanners follow links), POST claims the link once and performs the action.
 */
/** True when the workflow ID now runs a later incident than the one the link was made for. */
async function belongsToEarlierIncident(incidents: IncidentService, c: ActionTokenClaims): Promise<boolean> {
  try {
    const d = await incidents.show(c.workflowId);
    return d.source === 'workflow' ? d.state.incidentId !== c.incidentId : d.row.incident_id !== c.incidentId;
  } catch {
    return false; // unknown: let the action itself say what is wrong
  }
}

export function actionLinkRoutes(app: FastifyInstance, deps: ActionLinkDeps): void {
  // Encapsulated plugin: the form parser below applies to these routes only.
  void app.register(async (scope) => {
    // Fastify parses only JSON and text; a plain HTML form (no JavaScript) posts urlencoded.
    if (!scope.hasContentTypeParser('application/x-www-form-urlencoded')) {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });
    }

    // A wildcard, not `:token`: tokens are longer than the router's 100-character parameter limit.
    scope.get('/actions/*', async (req, reply) => {
      const token = tokenOf(req);
      const v = verifyActionToken(token, deps.secret, Date.now());
      if (!v.ok) return refused(reply, token, deps.secret, v.reason);
      const c = v.claims;
      const at = await usedAt(deps.pool, c.nonce).catch(() => null);
      if (at) return alreadyUsed(reply, c, at);
      return page(
        reply,
        200,
        `${BUTTON[c.action]}?`,
        `${incidentLine(c)}
<p>Action: <strong>${c.action}</strong>, as ${escapeHtml(c.recipient || 'the link holder')}. The link works once, until ${when(c.expiresAt)}.</p>
<form method="post"><button type="submit">${BUTTON[c.action]}</button></form>`,
      );
    });

    scope.post('/actions/*', async (req, reply) => {
      const token = tokenOf(req);
      const v = verifyActionToken(token, deps.secret, Date.now());
      if (!v.ok) return refused(reply, token, deps.secret, v.reason);
      const c = v.claims;
      const retry = `<p>Nothing was recorded for this link; try again in a minute. ${ELSEWHERE}</p>`;
      if (await belongsToEarlierIncident(deps.incidents, c)) {
        return page(reply, 410, 'Link no longer applies', `${incidentLine(c)}<p>This link belonged to an earlier incident of the same problem, which has closed; the open one is a new incident. ${ELSEWHERE}</p>`);
      }
      let claimed: boolean;
      try {
        claimed = await claim(deps.pool, c, req.ip);
      } catch (err) {
        req.log.error({ err, incident: c.workflowId }, 'could not claim an action link');
        return page(reply, 503, 'Try again', retry);
      }
      if (!claimed) return alreadyUsed(reply, c, await usedAt(deps.pool, c.nonce).catch(() => null));

      const by = `link:${c.recipient}`.slice(0, 200);
      try {
        // The nonce as update ID: a retry after a lost reply is deduplicated by Temporal, not applied twice.
        const r = await deps.incidents.act(c.workflowId, { type: c.action, by }, `action-link:${c.nonce}`);
        return page(reply, r.changed ? 200 : 409, r.changed ? DONE[c.action] : 'Nothing to do', `${incidentLine(c)}<p>${escapeHtml(r.message)}</p>`);
      } catch (err) {
        if (err instanceof VigilError && (err.code === 'invalid_state' || err.code === 'not_found')) {
          const status = err.code === 'not_found' ? 404 : 409;
          return page(reply, status, 'Not done', `${incidentLine(c)}<p>${escapeHtml(err.message)}</p>`);
        }
        // Not a refusal: the incident was never reached, so give the link back for another try.
        await deps.pool.query('DELETE FROM action_token_uses WHERE nonce = $1', [c.nonce]).catch((e: unknown) => {
          req.log.error({ err: e, incident: c.workflowId }, 'could not release an action link after a failed action');
        });
        req.log.error({ err, incident: c.workflowId }, 'action link could not reach the incident');
        return page(reply, 503, 'Try again', `${incidentLine(c)}<p>Vigil could not reach the incident just now. The link still works: try again in a minute. ${ELSEWHERE}</p>`);
      }
    });
  });
}
