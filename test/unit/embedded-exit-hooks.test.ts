import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../../db/embedded';

describe('embedded PostgreSQL process hooks', () => {
  it('leaves no async-exit-hook on any exit path: they overwrote exit codes (a failing npm test exited 0)', () => {
    const hook = createRequire(__filename)('async-exit-hook') as { hookedEvents(): string[] };
    const hooked = hook.hookedEvents();
    for (const event of ['beforeExit', 'exit', 'SIGINT', 'SIGTERM', 'SIGHUP']) expect(hooked).not.toContain(event);
  });
});
