import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

export { CHROMIUM, launch, noBrowserReason } from './chromium';

/** Screenshots land here (git-ignored: test/browser/.gitignore). */
export const ARTIFACTS = path.join(__dirname, 'artifacts');

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/**
 * axe-core's verdict on the page as shown. Injected through DevTools, which the page's CSP does not
 * govern: the page itself still allows no inline script.
 */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  // A string: this runs in the page (tsconfig has no DOM types).
  return page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`) as Promise<AxeViolation[]>;
}

/** Serious and critical findings only (the bar), each as "rule: help (where)". */
export const serious = (vs: AxeViolation[]) =>
  vs.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3).join(' ')})`);

/** How many pixels of a chart's canvas differ from its first pixel: 0 means nothing was drawn. */
export async function drawnPixels(page: Page, boxSelector: string): Promise<number> {
  const canvas = JSON.stringify(`${boxSelector} canvas`);
  return page.evaluate(`(() => {
    const c = document.querySelector(${canvas});
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let differing = 0;
    for (let i = 4; i < data.length; i += 4) {
      if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2] || data[i + 3] !== data[3]) differing++;
    }
    return differing;
  })()`) as Promise<number>;
}

/**
 * Logging in through the console's own form and visiting a page the way every browser test does:
 * CSP refusals collected (each test ends asserting none), a screenshot and an axe-core run per page.
 */
export function consoleSession(o: { base: () => string; password: string; cspErrors: string[] }) {
  return {
    async login(ctx: BrowserContext, user: string, next = '/incidents'): Promise<Page> {
      const p = await ctx.newPage();
      p.on('console', (m) => {
        if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) o.cspErrors.push(m.text());
      });
      await p.goto(`${o.base()}/login?next=${encodeURIComponent(next)}`);
      await p.fill('#user', user);
      await p.fill('#password', o.password);
      await Promise.all([p.waitForURL(`${o.base()}${next}`), p.click('button[type=submit]')]);
      return p;
    },
    async visit(p: Page, url: string, ready: string, name: string): Promise<void> {
      await p.goto(`${o.base()}${url}`);
      await p.waitForSelector(ready, { timeout: 30_000 });
      await screenshot(p, name);
      expect(serious(await axe(p)), `${url}: serious accessibility violations`).toEqual([]);
    },
  };
}
