import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes in a self-describing form, `scrypt$N$r$p$salt$hash` (base64url), so the cost can
 * be raised later without breaking stored hashes. N = 2^15 takes ~50–100 ms on one core: slow for a
 * guesser, unnoticeable at a login.
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LEN = 32;
// scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is exactly that, so leave headroom.
const MAX_MEM = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LEN, { N: n, r, p, maxmem: MAX_MEM }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether `password` matches `stored`; a malformed stored hash never matches. Constant-time in the comparison. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const params = [Number(n), Number(r), Number(p)];
  if (params.some((x) => !Number.isInteger(x) || x < 1) || expected.length !== KEY_LEN) return false;
  const key = await derive(password, Buffer.from(salt, 'base64url'), params[0]!, params[1]!, params[2]!);
  return timingSafeEqual(key, expected);
}

/** A hash no password matches, compared against when the user does not exist, so timing does not tell. */
export const DUMMY_HASH = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_LEN).toString('base64url')}`;
