import type { FastifyRequest } from 'fastify';
import { hasScope } from '../../domain/auth/scopes';
import { VigilError } from '../../domain/errors';

/** What the timeline and the silence list record as the actor; bounded like every actor (200). */
const MAX_ACTOR = 200;

/**
 * Who acted, for the record: the authenticated identity, never a name the client typed. A free-text
 * `by` survives only as "on behalf of" text from an API key holding `act-as` (a bot relaying a chat
 * command). Without authentication (auth.mode none) the typed name is all there is, and required.
 */
export function actorOf(req: FastifyRequest, by: string | undefined, field = 'body.by'): string {
  const p = req.principal;
  if (!p || p.via === 'none') {
    if (!by) throw new VigilError('invalid_input', `invalid body: ${field}: must name who is acting`, { issues: [{ field, message: 'must name who is acting' }] });
    return by;
  }
  if (by && by !== p.name && p.via === 'api-key' && hasScope(p.scopes, 'act-as')) {
    const prefix = `${p.name} on behalf of `;
    return prefix + by.slice(0, Math.max(1, MAX_ACTOR - prefix.length));
  }
  return p.name;
}
