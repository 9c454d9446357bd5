/**
 * What Postgres text and jsonb cannot hold: NUL (U+0000; jsonb also refuses the `\u0000` escape) and
 * lone UTF-16 surrogates (no UTF-8 encoding). Replaced with U+FFFD, visibly, everywhere in a value.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this must find
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `value` with every string (keys included) made storable; other values unchanged. */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map((v: unknown) => storable(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [storable(k), storable(v)])) as T;
  }
  return value;
}

/** True for a Postgres error about the data itself (SQLSTATE class 22: it fails the same way every time). */
export function isDataError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('22');
}
