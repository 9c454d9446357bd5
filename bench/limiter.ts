/**
 * Runs fn(0) … fn(n-1) with at most `limit` calls in flight; resolves when all have settled.
 * Failures are collected, not thrown, so one refused start does not abort the run.
 */
export async function runLimited(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      try {
        await fn(i);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
  return errors;
}
