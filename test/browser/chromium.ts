// The browser itself, apart from the test helpers: benches launch it too, and must not load vitest.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (apt-get install chromium; .ci/run installs it when missing). */
export const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';

/** Why no browser can be had here, or null when one can. */
export function noBrowserReason(): string | null {
  return fs.existsSync(CHROMIUM) ? null : `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set VIGIL_CHROMIUM; the console's browser tests are skipped`;
}

export async function launch(): Promise<Browser> {
  // --no-sandbox: CI and these containers run as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
