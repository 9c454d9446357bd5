/**
 * API keys look like `vk_<id>_<secret>`: the id (12 hex characters) is stored and shown, so a list
 * or a log line can name a key without revealing it; the secret (256 random bits, base64url) is
 * stored only as a hash. A distinct prefix from ingest tokens (`vgl_`) keeps the two apart in scanners.
 */
export const API_KEY_PREFIX = 'vk_';
const ID = /^[0-9a-f]{12}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface ParsedKey {
  id: string;
  secret: string;
}

/** Splits a presented key, or null when it is not shaped like one (no database lookup for garbage). */
export function parseApiKey(presented: string): ParsedKey | null {
  if (presented.length > 100 || !presented.startsWith(API_KEY_PREFIX)) return null;
  const rest = presented.slice(API_KEY_PREFIX.length);
  const cut = rest.indexOf('_');
  if (cut < 0) return null;
  const id = rest.slice(0, cut);
  const secret = rest.slice(cut + 1);
  return ID.test(id) && SECRET.test(secret) ? { id, secret } : null;
}

export const formatApiKey = (k: ParsedKey) => `${API_KEY_PREFIX}${k.id}_${k.secret}`;

/** How a key is shown once created: its id, never its secret. */
export const displayKey = (id: string) => `${API_KEY_PREFIX}${id}_…`;
