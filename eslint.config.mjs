// One linter for the whole tree; the workflows/ block is what keeps workflow code deterministic.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http', 'http2',
  'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.vigil/**', 'dist/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['scripts/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The web console's browser modules (served as files, no build step).
    files: ['console/assets/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(['window', 'document', 'location', 'fetch', 'URLSearchParams', 'EventSource', 'CSS', 'localStorage', 'matchMedia', 'getComputedStyle', 'performance', 'ResizeObserver', 'setTimeout', 'clearTimeout', 'Node'].map((g) => [g, 'readonly'])),
    },
  },
  {
    // Workflow code is replayed: no I/O, no clocks or randomness outside the SDK's deterministic ones.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...NODE_BUILTINS.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'Node built-ins are not deterministic: use an activity.' })),
          { name: 'pg', message: 'Database access belongs in activities/.' },
          { name: '@temporalio/client', message: 'Workflows talk to Temporal through @temporalio/workflow only.' },
          { name: '@temporalio/activity', message: 'Import activity *types* only (import type).' },
          { name: '@temporalio/worker', message: 'Not available inside the workflow sandbox.' },
        ],
        patterns: [
          { group: ['@slack/*', 'axios', 'node-fetch', 'undici', 'got', 'nodemailer', 'pino', 'fastify'], message: 'I/O clients belong in activities/.' },
          { group: ['../activities/*', '../activities/**', '../db/**', '../api/**', '../slack/**'], allowTypeImports: true, message: 'Workflows may import activity types only (import type).' },
        ],
      }],
    },
  },
);
