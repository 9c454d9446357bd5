import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/time-skipping';

describe('the workflow bundle', () => {
  it('does not contain zod: every cached workflow would carry its own copy (about 0.7 MB each)', () => {
    const code = fs.readFileSync(workflowBundle().codePath, 'utf8');
    expect(code).not.toMatch(/node_modules\/zod\//);
  });
});
