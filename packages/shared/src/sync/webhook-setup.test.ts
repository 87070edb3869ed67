import { describe, expect, it } from 'vitest';
import { RequestError } from '../errors.js';
import { isDestinationAttached, withDestination } from './webhook-setup.js';

const job = (webhook_notifications?: Record<string, Array<{ id: string }>>) => ({
  job_id: 7,
  settings: { name: 'export', ...(webhook_notifications ? { webhook_notifications } : {}) },
});

describe('isDestinationAttached', () => {
  it('needs the destination under both on_success and on_failure', () => {
    expect(isDestinationAttached(job(), 'd')).toBe(false);
    expect(isDestinationAttached({ job_id: 7 }, 'd')).toBe(false);
    expect(isDestinationAttached(job({ on_success: [{ id: 'd' }] }), 'd')).toBe(false);
    expect(isDestinationAttached(job({ on_success: [{ id: 'd' }], on_failure: [{ id: 'x' }] }), 'd')).toBe(false);
    expect(isDestinationAttached(job({ on_success: [{ id: 'd' }], on_failure: [{ id: 'x' }, { id: 'd' }] }), 'd')).toBe(
      true,
    );
  });
});

describe('withDestination', () => {
  it('adds the destination to the waking events and keeps everything else', () => {
    const before = job({ on_start: [{ id: 'ops' }], on_failure: [{ id: 'pager' }] });
    expect(withDestination(before, 'd')).toEqual({
      on_start: [{ id: 'ops' }],
      on_success: [{ id: 'd' }],
      on_failure: [{ id: 'pager' }, { id: 'd' }],
    });
    expect(before.settings.webhook_notifications?.on_failure).toEqual([{ id: 'pager' }]);
    expect(withDestination(job({ on_success: [{ id: 'd' }], on_failure: [{ id: 'd' }] }), 'd')).toEqual({
      on_success: [{ id: 'd' }],
      on_failure: [{ id: 'd' }],
    });
  });

  it('refuses with 409 when an event already lists three destinations (the Databricks limit)', () => {
    const full = job({ on_failure: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    let error: unknown;
    try {
      withDestination(full, 'd');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe('WEBHOOK_EVENT_FULL');
    expect((error as RequestError).httpStatus).toBe(409);
  });
});
