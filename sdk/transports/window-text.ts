// Transports may be used without a reporter, so they check the text of what they send too: a window
// the API would refuse fails here, final (not retried), naming the field.
import type { WindowSummary } from '../../domain/window-summary';
import { checkTextField, InvalidFieldError, TransportError } from '../errors';

/** Throws a non-retryable TransportError (its cause an InvalidFieldError) for the first refused text field. */
export function checkWindowText(windows: readonly WindowSummary[]): void {
  windows.forEach((w, i) => {
    try {
      checkTextField(`windows[${i}].service`, w.service);
      checkTextField(`windows[${i}].source`, w.source);
    } catch (e) {
      if (!(e instanceof InvalidFieldError)) throw e;
      throw new TransportError('client', e.message, { cause: e });
    }
  });
}
