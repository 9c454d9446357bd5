import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IncidentAction } from '../../app/incident-client';
import { VigilError } from '../../domain/errors';
import { createSlackApp, type SlackApp } from '../../slack/app';
import type { ActionResult } from '../../workflows/incident-messages';
import { blockActionsBody, signSlackRequest, startFakeSlack, type FakeSlack } from '../support/fake-slack';

const TOKEN = 'xoxb-5555-6666-apptoken';
const SECRET = 'signing-secret-for-ack-all';
const quiet = { info: () => {}, warn: () => {} };

/** How each incident answers an acknowledge: by the last character of its id. */
const answers: Record<string, () => Promise<ActionResult>> = {
  a: async () => ({ changed: true, status: 'acknowledged', message: 'Acknowledged' }),
  o: async () => ({ changed: false, status: 'acknowledged', message: 'Already acknowledged by bob' }),
  r: async () => {
    throw new VigilError('invalid_state', 'Incident r was resolved by carol; it cannot be acknowledged.');
  },
  g: async () => {
    throw new VigilError('not_found', 'No open incident g.');
  },
  x: async () => {
    throw new Error('Temporal unavailable');
  },
};

let slack: FakeSlack;
let app: SlackApp;
let endpoint: string;
const calls: Array<{ workflowId: string; action: IncidentAction }> = [];

beforeEach(async () => {
  calls.length = 0;
  slack = await startFakeSlack({ token: TOKEN });
  const act = async (workflowId: string, action: IncidentAction) => {
    calls.push({ workflowId, action });
    return answers[workflowId.slice(-1)]!();
  };
  app = createSlackApp({ signingSecret: SECRET, token: TOKEN, apiUrl: slack.url, act, logger: quiet });
  await app.start(0, '127.0.0.1');
  endpoint = `http://127.0.0.1:${app.port()}/slack/events`;
});
afterEach(async () => {
  await app.stop();
  await slack.close();
});

async function clickAll(ids: string[]): Promise<string> {
  const body = blockActionsBody({ actionId: 'vigil_acknowledge_all', value: ids.join(','), userId: 'U0ALICE', userName: 'alice', channelId: 'C0INCIDENTS' });
  const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, body });
  expect(res.status).toBe(200);
  await vi.waitFor(() => expect(slack.callsTo('chat.postEphemeral')).toHaveLength(1));
  return String(slack.callsTo('chat.postEphemeral')[0]!.args.text);
}

describe('Acknowledge all', () => {
  it.each([
    // each case: the incidents the button names (by how they answer), what the clicker is told
    ['all triggered', ['incident/1a', 'incident/2a', 'incident/3a'], /^:white_check_mark: Acknowledged 3 incidents \(0 were already acknowledged\/resolved\)$/],
    ['some already owned, resolved or closed', ['incident/1a', 'incident/2o', 'incident/3r', 'incident/4g'], /^:white_check_mark: Acknowledged 1 incident \(3 were already acknowledged\/resolved\)$/],
    ['one failing, the others still acknowledged', ['incident/1a', 'incident/2x', 'incident/3a'], /^:warning: Acknowledged 2 incidents \(0 were already acknowledged\/resolved\); 1 could not be acknowledged: `incident\/2x`: Temporal unavailable$/],
  ])('%s', async (_name, ids, told) => {
    expect(await clickAll(ids)).toMatch(told);
    expect(calls.map((c) => c.workflowId).sort()).toEqual([...ids].sort());
    expect(calls.every((c) => c.action.type === 'acknowledge' && c.action.by === 'slack:U0ALICE (alice)')).toBe(true);
  });

  it('acknowledges each incident once however often the value names it, 45 at most in a digest', async () => {
    const ids = Array.from({ length: 45 }, (_, i) => `incident/${String(i).padStart(15, '0')}a`);
    expect(await clickAll([...ids, ids[0]!])).toMatch(/Acknowledged 45 incidents/);
    expect(calls).toHaveLength(45);
  });
});
