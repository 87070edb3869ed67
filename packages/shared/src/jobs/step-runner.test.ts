import { DelayedError } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { finished, nextStep, parkJob, rescheduleIn, runSteps, type StepTable } from './step-runner.js';

type Name = 'first' | 'second' | 'third';

describe('runSteps', () => {
  it('runs steps in the order they name until one finishes', async () => {
    const order: string[] = [];
    const steps: StepTable<string[], Name, string> = {
      first: async (log) => (log.push('first'), nextStep('second')),
      second: async (log) => (log.push('second'), nextStep('third')),
      third: async (log) => (log.push('third'), finished('ok')),
    };
    await expect(runSteps(steps, 'first', order, () => Promise.reject(new Error('not parked')))).resolves.toBe('ok');
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('starts where the job left off and parks on a reschedule without running later steps', async () => {
    const third = vi.fn(async () => finished('never'));
    const park = vi.fn(async (delayMs: number): Promise<never> => {
      throw new Error(`parked ${delayMs}`);
    });
    const steps: StepTable<undefined, Name, string> = {
      first: async () => finished('wrong start'),
      second: async () => rescheduleIn(1_500),
      third,
    };
    await expect(runSteps(steps, 'second', undefined, park)).rejects.toThrow('parked 1500');
    expect(park).toHaveBeenCalledWith(1_500);
    expect(third).not.toHaveBeenCalled();
  });

  it('refuses a step cycle instead of spinning', async () => {
    const steps: StepTable<undefined, Name, string> = {
      first: async () => nextStep('second'),
      second: async () => nextStep('first'),
      third: async () => finished('x'),
    };
    await expect(runSteps(steps, 'first', undefined, () => Promise.reject(new Error('no')))).rejects.toThrow(
      'Step loop: first → second → first',
    );
  });
});

describe('parkJob', () => {
  it('moves the job to delayed until now + delay with the lock token, then throws DelayedError', async () => {
    const moveToDelayed = vi.fn(async () => {});
    const park = parkJob({ moveToDelayed }, 'lock-token', () => 1_000);
    await expect(park(250.4)).rejects.toBeInstanceOf(DelayedError);
    expect(moveToDelayed).toHaveBeenCalledWith(1_250, 'lock-token');
  });
});
