import { randomBytes } from 'node:crypto';
import { signActionToken, type LinkAction } from '../../domain/action-token';
import type { IncidentView } from '../../domain/incident-view';
import type { ActionLinks } from './notifier';

/** Where links point, how they are signed and for how long they work; clock and nonce are injectable for tests. */
export interface ActionLinkBuilderOptions {
  /** How people reach the API, e.g. https://vigil.example.com (config `api.publicUrl`). */
  publicUrl: string;
  secret: string;
  /** How long a link stays valid (config `incidents.actionLinkTtl`). */
  ttlMs: number;
  now?: () => number;
  nonce?: () => string;
}

/** Builds the signed Acknowledge / Resolve links for one recipient; each link has its own nonce, so each is single-use. */
export function createActionLinkBuilder(opts: ActionLinkBuilderOptions): (view: IncidentView, recipient: string) => ActionLinks {
  const base = opts.publicUrl.replace(/\/+$/, '');
  const now = opts.now ?? Date.now;
  const nonce = opts.nonce ?? (() => randomBytes(16).toString('base64url'));
  return (view, recipient) => {
    const expiresAt = now() + opts.ttlMs;
    const link = (action: LinkAction) =>
      `${base}/actions/${signActionToken({ workflowId: view.workflowId, incidentId: view.incidentId, action, expiresAt, nonce: nonce(), recipient }, opts.secret)}`;
    return { acknowledge: link('acknowledge'), resolve: link('resolve') };
  };
}
