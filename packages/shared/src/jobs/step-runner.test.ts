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
    await expect(
      runSteps(steps, 'first', order, { park: () => Promise.reject(new Error('not parked')) }),
    ).resolves.toBe('ok');
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
    await expect(runSteps(steps, 'second', undefined, { park })).rejects.toThrow('parked 1500');
    expect(park).toHaveBeenCalledWith(1_500);
    expect(third).not.toHaveBeenCalled();
  });

  it('refuses a step cycle instead of spinning', async () => {
    const steps: StepTable<undefined, Name, string> = {
      first: async () => nextStep('second'),
      second: async () => nextStep('first'),
      third: async () => finished('x'),
    };
    await expect(runSteps(steps, 'first', undefined, { park: () => Promise.reject(new Error('no')) })).rejects.toThrow(
      'Step loop: first → second → first',
    );
  });
});

describe('runSteps with an interrupt', () => {
  type Flow = 'work' | 'cancel' | 'finish';
  const noPark = { park: () => Promise.reject(new Error('not parked')) };

  it('runs the interrupting step instead of parking, once, and lets it reschedule itself', async () => {
    let canceled = false;
    const park = vi.fn(async (delayMs: number): Promise<never> => {
      throw new Error(`parked ${delayMs}`);
    });
    const interrupt = vi.fn(async () => (canceled ? ('cancel' as const) : undefined));
    const steps: StepTable<undefined, Flow, string> = {
      work: async () => ((canceled = true), rescheduleIn(100)),
      cancel: async () => rescheduleIn(200),
      finish: async () => finished('never'),
    };
    await expect(runSteps(steps, 'work', undefined, { park, interrupt })).rejects.toThrow('parked 200');
    expect(interrupt).toHaveBeenCalledTimes(2);
  });

  it('is asked before the first step and between steps', async () => {
    const asked: string[] = [];
    const steps: StepTable<undefined, Flow, string> = {
      work: async () => nextStep('finish'),
      cancel: async () => finished('canceled'),
      finish: async () => finished('finished'),
    };
    const interrupt = async (_: undefined, next: Flow) => (
      asked.push(next),
      next === 'finish' ? ('cancel' as const) : undefined
    );
    await expect(runSteps(steps, 'work', undefined, { ...noPark, interrupt })).resolves.toBe('canceled');
    expect(asked).toEqual(['work', 'finish']);
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
