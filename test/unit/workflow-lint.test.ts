import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
// Snippets are not files of the TS project, so type-aware rules are switched off; the import rule needs no types.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
});

async function lint(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the lint rule that keeps workflow code deterministic', () => {
  it.each([
    // each case: an import that must never reach workflows/
    ["import fs from 'node:fs';", /Node built-ins/],
    ["import { randomUUID } from 'crypto';", /Node built-ins/],
    ["import { Pool } from 'pg';", /activities/],
    ["import { WebClient } from '@slack/web-api';", /activities/],
    ["import { Client } from '@temporalio/client';", /@temporalio\/workflow only/],
    ["import { createNotifyActivities } from '../activities/notify';", /activity types only/],
  ])('refuses %s in workflows/', async (code, why) => {
    const messages = await lint(`${code}\nexport const x = 1;\n`, 'workflows/example.ts');
    expect(messages.join('\n')).toMatch(why);
  });

  it('allows type-only activity imports and the same imports outside workflows/', async () => {
    expect(await lint("import type { NotifyActivities } from '../activities/notify/types';\nexport type X = NotifyActivities;\n", 'workflows/example.ts')).toEqual([]);
    expect(await lint("import fs from 'node:fs';\nexport const x = fs;\n", 'activities/example.ts')).toEqual([]);
  });
});
