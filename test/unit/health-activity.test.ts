import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { outcomeOfError, outcomeOfResult } from '../../domain/health/activity-outcome';
import { activitySubject, subjectKey } from '../../domain/health/activity-subject';
import { FailureHints } from '../../domain/health/failure-hints';

const id = { activityType: 'deliverNotification', activityId: '7', workflowId: 'incident/abc' };

describe('activitySubject', () => {
  it('keys a send by step and target, so the workflow retrying it with new activities stays one row', () => {
    const a = activitySubject(id, [{ view: {}, step: '1.e1', target: 'mail' }]);
    const b = activitySubject({ ...id, activityId: '12' }, [{ view: {}, step: '1.e1', target: 'mail' }]);
    expect(a).toEqual({ activityType: 'deliverNotification', workflowId: 'incident/abc', subject: '1.e1|mail' });
    expect(subjectKey(b)).toBe(subjectKey(a));
    expect(activitySubject({ ...id, activityType: 'refreshMessages' }, [{ step: 'refresh.9', reasons: [] }]).subject).toBe('refresh.9');
  });

  it("keys a queued send by its own key under the incident's workflow, not the dispatcher's", () => {
    const s = activitySubject({ ...id, activityType: 'sendQueued', workflowId: 'dispatch/slack' }, [{ send: { key: 'incident/abc|1.e1|slack', workflowId: 'incident/abc' } }]);
    expect(s).toEqual({ activityType: 'sendQueued', workflowId: 'incident/abc', subject: 'incident/abc|1.e1|slack' });
  });

  it('falls back to the activity id (Temporal retries keep it) and an empty workflow id outside workflows', () => {
    expect(activitySubject({ activityType: 'projectIncident', activityId: '3', workflowId: 'incident/abc' }, [{ view: {}, lastSeq: 4, events: [] }]).subject).toBe('3');
    expect(activitySubject({ activityType: 'scoreWindow', activityId: 'x' }, [])).toEqual({ activityType: 'scoreWindow', workflowId: '', subject: 'x' });
    expect(activitySubject(id, [{ step: '' }]).subject).toBe('7');
  });
});

describe('activity outcomes', () => {
  it('records retryable failures with their type, clears on permanent ones and cancellation, ignores "not yet"', () => {
    expect(outcomeOfError(ApplicationFailure.create({ message: 'HTTP 503', type: 'delivery_unavailable' }))).toEqual({ type: 'failed', error: 'delivery_unavailable: HTTP 503' });
    expect(outcomeOfError(new Error('ECONNRESET'))).toEqual({ type: 'failed', error: 'ECONNRESET' });
    expect(outcomeOfError('thrown text')).toEqual({ type: 'failed', error: 'thrown text' });
    expect(outcomeOfError(ApplicationFailure.create({ message: 'gone', type: 'delivery_not_found', nonRetryable: true }))).toEqual({ type: 'final' });
    expect(outcomeOfError(new CancelledFailure('cancelled'))).toEqual({ type: 'final' });
    expect(outcomeOfError(ApplicationFailure.create({ message: 'slow down', type: 'delivery_rate_limited' }))).toEqual({ type: 'not_yet' });
    expect(outcomeOfError(ApplicationFailure.create({ message: 'held', type: 'ledger_busy' }))).toEqual({ type: 'not_yet' });
  });

  it("reads the dispatcher's classified results", () => {
    expect(outcomeOfResult({ type: 'failed', permanent: false, calls: 1, detail: 'HTTP 500' })).toEqual({ type: 'failed', error: 'HTTP 500' });
    expect(outcomeOfResult({ type: 'failed', permanent: true, calls: 1, detail: 'HTTP 404' })).toEqual({ type: 'final' });
    expect(outcomeOfResult({ type: 'busy', retryAfterMs: 100, detail: '' })).toEqual({ type: 'not_yet' });
    expect(outcomeOfResult({ type: 'sent', calls: 1, detail: 'ok' })).toEqual({ type: 'final' });
    expect(outcomeOfResult(undefined)).toEqual({ type: 'final' });
  });
});

describe('FailureHints', () => {
  const done = (subject: string, at = 1) => ({ activityType: 't', workflowId: 'w', subject, at });

  it('clears at once what failed here or on an earlier Temporal attempt, and only once', () => {
    const h = new FailureHints();
    h.failedHere('a');
    expect(h.hasFailed('a')).toBe(true);
    expect(h.clearNow('a', 1)).toBe(true);
    expect(h.clearNow('a', 1)).toBe(false);
    expect(h.clearNow('b', 2)).toBe(true);
  });

  it('batches the other successes, each subject once with its latest time, and starts over', () => {
    const h = new FailureHints();
    h.succeeded('a', done('a', 1));
    h.succeeded('b', done('b', 2));
    h.succeeded('a', done('a', 3));
    expect(h.takeSucceeded()).toEqual([done('b', 2), done('a', 3)]);
    expect(h.takeSucceeded()).toEqual([]);
  });

  it('stays bounded, dropping the oldest', () => {
    const h = new FailureHints(2);
    for (const k of ['a', 'b', 'c']) {
      h.failedHere(k);
      h.succeeded(k, done(k));
    }
    expect(h.hasFailed('a')).toBe(false);
    expect(h.hasFailed('c')).toBe(true);
    expect(h.takeSucceeded().map((d) => d.subject)).toEqual(['b', 'c']);
  });
});
