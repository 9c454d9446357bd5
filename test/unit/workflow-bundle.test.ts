import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDomainModules } from '../../workers/workflow-bundle';

describe('domain modules shared by every workflow in a reusable V8 context', () => {
  const modules = sharedDomainModules();
  const rel = modules.map((f) => path.relative(path.join(__dirname, '..', '..'), f));

  it('are the domain modules workflow code reaches by value imports, found through re-exports and nested imports', () => {
    expect(rel).toContain('domain/incident-transitions.ts');
    expect(rel).toContain('domain/delivery/step-paged.ts');
    // Reached only through other domain modules.
    expect(rel).toContain('domain/incident-timeline.ts');
    expect(rel.every((f) => f.startsWith('domain/'))).toBe(true);
  });

  it('hold no per-workflow state: no module-level let/var and no workflow API imports', () => {
    for (const f of modules) {
      const src = fs.readFileSync(f, 'utf8');
      expect(src, f).not.toMatch(/^(export )?(let|var) /m);
      expect(src, f).not.toMatch(/from '@temporalio\/workflow'/);
    }
  });
});
