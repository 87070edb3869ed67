import type { Queue } from 'bullmq';
import { z } from 'zod';
import type { D2sConfig } from '../config/load-config.js';
import { RequestError } from '../errors.js';
import { defaultJobOptions, parseJobData } from '../jobs/catalog.js';
import { validateParameters } from '../sync/parameters.js';
import { checkTemplate, isTemplate, renderParameters, TemplateError } from './parameter-templates.js';
import { shortestInterval } from './schedule-interval.js';

export const ScheduleId = z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'letters, digits, _ . - (at most 100)');

/** The body of PUT /v1/schedules/:id. */
export const ScheduleSpec = z
  .strictObject({
    kind: z.enum(['sync', 'mirror']),
    dataset: z.string().min(1).optional(),
    /**
     * A `null` value (or `parameters: null`) means the same as leaving it out: the default applies.
     * A string may be a template over the firing time, e.g. `{{ ds }}` (see parameter-templates.ts).
     */
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullish(),
    /** Mirror schedules: which catalogs/schemas to mirror (default: the configured scope). */
    scope: z
      .strictObject({ catalogs: z.array(z.string()).optional(), schemas: z.array(z.string()).optional() })
      .optional(),
    /** A cron pattern (5 or 6 fields) … */
    cron: z.string().min(1).max(200).optional(),
    /** … or a fixed interval in milliseconds (at least api.schedules.minIntervalMs, default one minute). */
    every: z.number().int().min(1_000).optional(),
    tz: z.string().default('UTC'),
  })
  .refine((s) => (s.cron === undefined) !== (s.every === undefined), {
    message: 'give exactly one of cron or every',
    path: ['cron'],
  })
  .refine((s) => s.kind !== 'sync' || s.dataset !== undefined, {
    message: 'a sync schedule names a dataset',
    path: ['dataset'],
  })
  .refine((s) => isTimeZone(s.tz), { message: 'not an IANA time zone (e.g. UTC, Europe/Paris)', path: ['tz'] });
export type ScheduleSpec = z.infer<typeof ScheduleSpec>;

export interface ScheduleView extends Omit<ScheduleSpec, 'parameters'> {
  parameters?: Record<string, string | number | boolean>;
  id: string;
  /** When it fires next (ISO time), as BullMQ computed it. */
  next: string | null;
  iterations: number;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface ScheduleServiceDeps {
  config: Pick<D2sConfig, 'datasets' | 'api'>;
  queues: { sync: Queue; mirror: Queue };
  now?: () => number;
}

const JOB_NAME = { sync: 'sync-scheduled', mirror: 'mirror-plan' } as const;

/**
 * Schedules on BullMQ Job Schedulers (never the removed repeatable-job API).
 * A sync schedule fires a small `sync-scheduled` job that the export worker
 * turns into a sync; a mirror schedule fires a mirror plan-and-apply job.
 */
export class ScheduleService {
  readonly #deps: ScheduleServiceDeps;

  constructor(deps: ScheduleServiceDeps) {
    this.#deps = deps;
  }

  async upsert(id: string, spec: ScheduleSpec): Promise<ScheduleView> {
    const { config, queues } = this.#deps;
    this.#checkInterval(spec);
    let data: Record<string, unknown>;
    if (spec.kind === 'sync') {
      const name = spec.dataset ?? '';
      // Any name is safe as a lookup key: "constructor" or "toString" is an unknown dataset, not Object's.
      const dataset = Object.hasOwn(config.datasets, name) ? config.datasets[name] : undefined;
      if (!dataset) throw new RequestError('UNKNOWN_DATASET', 400, `Unknown dataset "${spec.dataset}"`);
      const given = withoutNulls(spec.parameters);
      checkTemplates(given);
      // Templates are checked as they will be used: rendered for the next firing, then validated.
      const now = new Date((this.#deps.now ?? Date.now)());
      const parameters = validateParameters(dataset, renderParameters(given, now, spec.tz));
      if (!parameters.ok) {
        throw new RequestError('INVALID_PARAMETERS', 400, 'Invalid parameters for the scheduled dataset', {
          details: { issues: parameters.issues },
        });
      }
      data = parseJobData('export', 'sync-scheduled', {
        scheduleId: id,
        dataset: spec.dataset,
        parameters: given,
        timeZone: spec.tz,
      });
    } else {
      data = parseJobData('mirror', 'mirror-plan', {
        mirrorRunId: `schedule-${id}`,
        scope: spec.scope ?? {},
        origin: `schedule:${id}`,
      });
    }
    const queue = queues[spec.kind];
    const other = queues[spec.kind === 'sync' ? 'mirror' : 'sync'];
    const repeat =
      spec.cron !== undefined ? { pattern: spec.cron, tz: spec.tz } : { every: spec.every as number, tz: spec.tz };
    const queueName = spec.kind === 'sync' ? 'export' : 'mirror';
    const { jobId: _ignored, ...opts } = defaultJobOptions(
      queueName,
      JOB_NAME[spec.kind] as never,
      config.api.retentionSeconds,
    );
    try {
      await queue.upsertJobScheduler(id, repeat, { name: JOB_NAME[spec.kind], data, opts });
    } catch (error) {
      throw new RequestError('INVALID_SCHEDULE', 400, `Invalid schedule: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // An id names one schedule: changing its kind moves it to the other queue, once the new one is in
    // place (removing first would lose the old schedule when BullMQ refuses the new one).
    await other.removeJobScheduler(id);
    return this.require(id);
  }

  /** A schedule firing more often than api.schedules.minIntervalMs is refused, with the gap it would have. */
  #checkInterval(spec: ScheduleSpec): void {
    const minimum = this.#deps.config.api.schedules.minIntervalMs;
    const shortest = shortestInterval(spec, new Date((this.#deps.now ?? Date.now)()));
    if (shortest === undefined || shortest >= minimum) return;
    const what =
      spec.cron !== undefined
        ? `The cron "${spec.cron}" fires every ${seconds(shortest)}`
        : `Every ${seconds(shortest)}`;
    throw new RequestError(
      'SCHEDULE_TOO_FREQUENT',
      400,
      `${what}; schedules may fire at most once every ${seconds(minimum)} (api.schedules.minIntervalMs).`,
      { details: { shortestIntervalMs: shortest, minIntervalMs: minimum } },
    );
  }

  async get(id: string): Promise<ScheduleView | undefined> {
    for (const kind of ['sync', 'mirror'] as const) {
      const scheduler = await this.#deps.queues[kind].getJobScheduler(id);
      if (scheduler) return toView(kind, scheduler);
    }
    return undefined;
  }

  async require(id: string): Promise<ScheduleView> {
    const view = await this.get(id);
    if (!view) throw new RequestError('SCHEDULE_NOT_FOUND', 404, `No schedule with id "${id}"`);
    return view;
  }

  async list(): Promise<ScheduleView[]> {
    const [sync, mirror] = await Promise.all([
      this.#deps.queues.sync.getJobSchedulers(),
      this.#deps.queues.mirror.getJobSchedulers(),
    ]);
    return [...sync.map((s) => toView('sync', s)), ...mirror.map((s) => toView('mirror', s))].sort((a, b) =>
      a.id.localeCompare(b.id),
    );
  }

  async remove(id: string): Promise<boolean> {
    const removed = await Promise.all([
      this.#deps.queues.sync.removeJobScheduler(id),
      this.#deps.queues.mirror.removeJobScheduler(id),
    ]);
    return removed.some(Boolean);
  }
}

interface SchedulerJson {
  key: string;
  next?: number | undefined;
  iterationCount?: number | undefined;
  pattern?: string | null | undefined;
  every?: number | null | undefined;
  tz?: string | null | undefined;
  template?: { data?: unknown } | undefined;
}

/** Rebuilds the schedule from what BullMQ stores, so there is no second copy of it. */
function toView(kind: 'sync' | 'mirror', scheduler: SchedulerJson): ScheduleView {
  const data = (scheduler.template?.data ?? {}) as {
    dataset?: string;
    parameters?: Record<string, string | number | boolean>;
    scope?: ScheduleSpec['scope'];
  };
  const view: ScheduleView = {
    id: scheduler.key,
    kind,
    tz: scheduler.tz ?? 'UTC',
    next: scheduler.next ? new Date(scheduler.next).toISOString() : null,
    iterations: scheduler.iterationCount ?? 0,
  };
  if (scheduler.pattern) view.cron = scheduler.pattern;
  if (scheduler.every) view.every = Number(scheduler.every);
  if (kind === 'sync') {
    if (data.dataset !== undefined) view.dataset = data.dataset;
    view.parameters = data.parameters ?? {};
  } else if (data.scope) {
    view.scope = data.scope;
  }
  return view;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Every templated parameter parses and type-checks; else a 400 naming the parameter and the position. */
function checkTemplates(parameters: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(parameters)) {
    if (!isTemplate(value)) continue;
    try {
      checkTemplate(value);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      throw new RequestError(
        'INVALID_PARAMETER_TEMPLATE',
        400,
        `Parameter "${name}": ${error.message} at position ${error.position} of "${value}"`,
        { details: { parameter: name, position: error.position, template: value, reason: error.message } },
      );
    }
  }
}

/** A schedule's parameters with `null` values dropped: null means "not given", so the default applies. */
function withoutNulls(
  parameters: Record<string, string | number | boolean | null> | null | undefined,
): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(parameters ?? {}).filter((entry): entry is [string, string | number | boolean] => entry[1] !== null),
  );
}
