// Typed arrays ↔ base64 (little-endian, standard alphabet with padding), without Buffer or atob so
// the model serialisation stays usable in workflow code. Floats round-trip bit for bit.
import { VigilError } from '../errors';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

function encodeBytes(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    chunk += ALPHABET[b0 >> 2]! + ALPHABET[((b0 & 3) << 4) | (b1 >> 4)]!;
    chunk += i + 1 < bytes.length ? ALPHABET[((b1 & 15) << 2) | (b2 >> 6)]! : '=';
    chunk += i + 2 < bytes.length ? ALPHABET[b2 & 63]! : '=';
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}

function decodeBytes(text: string, what: string): Uint8Array {
  if (text.length % 4 !== 0) throw new VigilError('invalid_input', `${what}: base64 length ${text.length} is not a multiple of 4`);
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const v = c < 128 ? LOOKUP[c]! : -1;
      const padding = c === 61 && i + j >= text.length - pad; // '=' only at the very end
      if (v < 0 && !padding) throw new VigilError('invalid_input', `${what}: invalid base64 character at ${i + j}`);
      n = (n << 6) | (v < 0 ? 0 : v);
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** Int32Array → base64 of its little-endian bytes. */
export function int32ToBase64(a: Int32Array): string {
  const bytes = new Uint8Array(a.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setInt32(i * 4, a[i]!, true);
  return encodeBytes(bytes);
}

/** Float64Array → base64 of its little-endian bytes (exact). */
export function float64ToBase64(a: Float64Array): string {
  const bytes = new Uint8Array(a.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat64(i * 8, a[i]!, true);
  return encodeBytes(bytes);
}

/** base64 (from int32ToBase64) → Int32Array; `what` names the field in errors. */
export function base64ToInt32(text: string, what: string): Int32Array {
  const bytes = decodeBytes(text, what);
  if (bytes.length % 4 !== 0) throw new VigilError('invalid_input', `${what}: ${bytes.length} bytes is not a whole number of int32 values`);
  const view = new DataView(bytes.buffer);
  const out = new Int32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}

/** base64 (from float64ToBase64) → Float64Array; `what` names the field in errors. */
export function base64ToFloat64(text: string, what: string): Float64Array {
  const bytes = decodeBytes(text, what);
  if (bytes.length % 8 !== 0) throw new VigilError('invalid_input', `${what}: ${bytes.length} bytes is not a whole number of float64 values`);
  const view = new DataView(bytes.buffer);
  const out = new Float64Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
