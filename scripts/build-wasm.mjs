#!/usr/bin/env node
// Compiles sdk/wasm/*.wat with wabt into a TypeScript module holding the bytes (base64), so the SDK
// ships no binary file and needs no bundler support. test/unit/sdk-assignment-wasm.test.ts fails
// when a .wat and its module disagree: run `npm run build:wasm` after editing the .wat.
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

export async function compileWat(path) {
  const module = (await wabt()).parseWat(path, readFileSync(path, 'utf8'));
  module.validate();
  return Buffer.from(module.toBinary({}).buffer);
}

export function bytesModule(watName, bytes) {
  return [
    `// Generated from sdk/wasm/${watName} by scripts/build-wasm.mjs; do not edit.`,
    `export const WASM_BASE64 = '${bytes.toString('base64')}';`,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of ['assignment-point']) {
    const bytes = await compileWat(`sdk/wasm/${name}.wat`);
    writeFileSync(`sdk/wasm/${name}.bytes.ts`, bytesModule(`${name}.wat`, bytes));
    process.stdout.write(`sdk/wasm/${name}.bytes.ts: ${bytes.length} bytes of WebAssembly\n`);
  }
}
