import fs from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH, workflowBundlerOptions } from '../../workers/workflow-bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    workflowBundlePath: string;
  }
}

/** Bundles workflow code once per test run; every worker in every test file reuses it. Removed after the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const out = path.resolve(__dirname, '..', '..', '.vigil', 'test', `workflow-bundle-${process.pid}.js`);
  await fs.mkdir(path.dirname(out), { recursive: true });
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    ...workflowBundlerOptions(),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  await fs.writeFile(out, code);
  project.provide('workflowBundlePath', out);
  return () => fs.rm(out, { force: true });
}
