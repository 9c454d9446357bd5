// Types for scripts/build-wasm.mjs, which the tests import to compare the shipped bytes with the .wat.
export function compileWat(path: string): Promise<Buffer>;
export function bytesModule(watName: string, bytes: Buffer): string;
