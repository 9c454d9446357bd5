import { ApplicationFailure } from '@temporalio/common';

/** The ApplicationFailure a promise rejects with (a channel's classified error); fails the test otherwise. */
export async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}
