import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../../db/embedded';

describe('embedded PostgreSQL process hooks', () => {
  it("leaves no async-exit-hook on beforeExit or signals: its process.exit(0) turned a failing npm test into exit 0", () => {
    const hook = createRequire(__filename)('async-exit-hook') as { hookedEvents(): string[] };
    const hooked = hook.hookedEvents();
    for (const event of ['beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP']) expect(hooked).not.toContain(event);
  });
});
