// Where per-variant windows go: the API (POST /v1/experiment-windows, an API key with
// metrics:write) or straight to each experiment's workflow as a signal.
import type { VariantWindow } from '../../domain/experiments/variant-window';
import type { ExperimentTransport } from '../experiment-windows';

/** The Experiment workflow's window signal, as workflows/experiment-messages.ts defines it. */
export const EXPERIMENT_WINDOWS_SIGNAL = 'experimentWindows';

export function createHttpExperimentTransport(o: { baseUrl: string; apiKey: string; fetch?: typeof fetch }): ExperimentTransport {
  const f = o.fetch ?? fetch;
  return {
    async send(windows) {
      const res = await f(`${o.baseUrl.replace(/\/$/, '')}/v1/experiment-windows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}` },
        body: JSON.stringify({ windows }),
      });
      if (!res.ok) throw new Error(`POST /v1/experiment-windows: HTTP ${res.status} ${await res.text().catch(() => '')}`.trim());
    },
  };
}

/** What the transport needs of a Temporal client (a @temporalio/client Client fits). */
export interface ExperimentSignalClient {
  workflow: { getHandle(workflowId: string): { signal(name: string, windows: VariantWindow[]): Promise<void> } };
}

/** One signal per experiment per window, to `experiment/<name>`. */
export function createTemporalExperimentTransport(client: ExperimentSignalClient): ExperimentTransport {
  return {
    async send(windows) {
      const by = new Map<string, VariantWindow[]>();
      for (const w of windows) by.set(w.experiment, [...(by.get(w.experiment) ?? []), w]);
      for (const [name, list] of by) await client.workflow.getHandle(`experiment/${name}`).signal(EXPERIMENT_WINDOWS_SIGNAL, list);
    },
  };
}
