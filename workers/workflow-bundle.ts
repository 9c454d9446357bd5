// How workflow code is bundled, in one place for the workers, the tests' shared bundle and the benches.
import fs from 'node:fs';
import path from 'node:path';

/** The workflows every core worker registers. */
export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.ts');

const DOMAIN = path.join(__dirname, '..', 'domain') + path.sep;
// Value imports and re-exports with a relative specifier; `import type` is erased by the bundler.
const IMPORT = /^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'(\.[^']+)'/gm;

function resolveTs(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
}

/**
 * The domain modules workflow code reaches. They are pure (decisions, no workflow APIs, memo caches
 * at most), so a reusable V8 context may evaluate them once and share them, instead of evaluating
 * them again for every new workflow, which was ~8 % of the workflow thread's time in an alert storm.
 */
export function sharedDomainModules(entry = WORKFLOWS_PATH): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const dep = resolveTs(file, m[1]!);
      if (dep && !seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  return [...seen].filter((f) => f.startsWith(DOMAIN)).sort();
}

/** Bundler options for WORKFLOWS_PATH: Worker.create's bundlerOptions, or bundleWorkflowCode's. */
export function workflowBundlerOptions(): { preloadModules: string[] } {
  return { preloadModules: sharedDomainModules() };
}
