import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReference, REFERENCE_FILE } from '../../scripts/config-reference';

const ROOT = path.resolve(__dirname, '..', '..');

describe('docs/configuration.md', () => {
  it('is what scripts/config-reference.ts makes from the current schemas (run it after changing domain/config.ts)', () => {
    const committed = fs.readFileSync(path.join(ROOT, REFERENCE_FILE), 'utf8');
    expect(committed).toBe(configReference());
  });

  it('lists keys with their defaults and .describe() texts', () => {
    const text = configReference();
    // A plain default, a duration default (in ms) with its description, a key with no default.
    expect(text).toContain('| `api.port` | integer | `8080` |');
    expect(text).toContain('| `incidents.actionLinkTtl` | duration | `86400000` | how long signed ack/resolve links stay valid |');
    expect(text).toMatch(/\| `api\.publicUrl` \| string \| {2}\| how people reach the API/);
  });
});
