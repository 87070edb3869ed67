import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import { databricksErrors } from '../errors.js';
import type { WebhookEvent } from '../fixture-types.js';
import type { JobRun, RunRegistry } from '../jobs/run-registry.js';
import { isTerminal } from '../jobs/run-state-machine.js';
import type { NotificationDestinationStore } from '../notification-destinations/store.js';
import { type DeliveryPolicy, type DeliveryRecord, deliver } from './webhook-delivery.js';

/** A fault on outgoing notifications: lose them, send them twice, or send them late. */
export interface NotificationFaultSpec {
  action: 'drop' | 'duplicate' | 'delay';
  /** Only notifications of this event type (`jobs.on_success`, …). */
  event_type?: string;
  /** Only notifications about runs of this job. */
  job_id?: number;
  /** For `delay`. */
  delay_ms?: number;
  /** How many notifications it applies to. @defaultValue 1 */
  count?: number;
}

export interface NotificationFault extends NotificationFaultSpec {
  id: number;
  remaining: number;
}

export interface JobNotifierDeps {
  registry: RunRegistry;
  destinations: NotificationDestinationStore;
  clock: Clock;
  workspaceId: number;
  policy: () => DeliveryPolicy;
}

/** What the notifier has told about one run. */
interface RunNotices {
  started: boolean;
  ended: boolean;
}

const KEPT_RECORDS = 10_000;

/**
 * Sends job notifications to webhook destinations as a workspace does: when a run starts (enters RUNNING) and
 * when it ends, to each destination the job's `webhook_notifications` lists for that event, with the payload the
 * Databricks docs give for HTTP webhooks (docs.databricks.com/aws/en/jobs/notifications, "HTTP webhook payloads"):
 *
 *   {"event_type": "jobs.on_success", "workspace_id": "…", "run": {"run_id": "…"}, "job": {"job_id": "…", "name": "…"}}
 *
 * (ids as strings, as in the docs' examples). `jobs.on_success` for a run that ended SUCCESS, `jobs.on_failure`
 * for every other ending, unless `notification_settings` mutes canceled or skipped runs. Driven by the
 * emulator's ticker: `observe` looks at every run after the runs have been advanced.
 */
export class JobNotifier {
  private readonly notices = new Map<number, RunNotices>();
  private records: DeliveryRecord[] = [];
  private faults: NotificationFault[] = [];
  private nextRecordId = 1;
  private nextFaultId = 1;
  private aborter = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: JobNotifierDeps) {}

  /** Sends what is due for every run: a start notice once a run is RUNNING, an end notice once it ended. */
  observe(): void {
    for (const run of this.deps.registry.all()) {
      const notices = this.notices.get(run.runId) ?? { started: false, ended: false };
      if (notices.ended) continue;
      this.notices.set(run.runId, notices);
      if (!notices.started && run.progress.runningAt !== undefined) {
        notices.started = true;
        this.notify(run, 'on_start');
      }
      if (isTerminal(run.progress.phase)) {
        notices.ended = true;
        const event = endEvent(run);
        if (event) this.notify(run, event);
      }
    }
  }

  addFault(spec: NotificationFaultSpec): NotificationFault {
    if (!['drop', 'duplicate', 'delay'].includes(spec.action)) {
      throw databricksErrors.invalidParameter('action must be drop, duplicate or delay.');
    }
    if (spec.action === 'delay' && !(Number.isInteger(spec.delay_ms) && (spec.delay_ms as number) >= 0)) {
      throw databricksErrors.invalidParameter('delay needs delay_ms, a non-negative integer.');
    }
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1)
      throw databricksErrors.invalidParameter('count must be a positive integer.');
    const fault: NotificationFault = { ...spec, id: this.nextFaultId++, remaining: count };
    this.faults.push(fault);
    return fault;
  }

  listFaults(): NotificationFault[] {
    return [...this.faults];
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Every notification sent or being sent (the last 10,000), oldest first. */
  deliveries(): DeliveryRecord[] {
    return this.records.map((r) => structuredClone(r));
  }

  /** Waits until no delivery is in flight (tests: "the emulator gave up retrying"). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  reset(): void {
    this.aborter.abort();
    this.aborter = new AbortController();
    this.notices.clear();
    this.records = [];
    this.faults = [];
  }

  async close(): Promise<void> {
    this.aborter.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private notify(run: JobRun, event: WebhookEvent): void {
    const targets = run.job.webhook_notifications?.[event] ?? [];
    for (const { id } of targets) {
      const destination = this.deps.destinations.find(id);
      // A deleted destination, or an email one (no mail leaves the emulator), sends nothing.
      if (!destination?.webhook) continue;
      const payload = {
        event_type: `jobs.${event}`,
        workspace_id: String(this.deps.workspaceId),
        run: { run_id: String(run.runId) },
        job: { job_id: String(run.job.job_id), name: run.job.name },
      };
      const record: DeliveryRecord = {
        id: this.nextRecordId++,
        destination_id: id,
        url: destination.webhook.url,
        event_type: payload.event_type,
        run_id: run.runId,
        job_id: run.job.job_id,
        payload,
        attempts: [],
        outcome: 'pending',
      };
      this.keep(record);
      const fault = this.takeFault(record);
      if (fault?.action === 'drop') {
        record.outcome = 'dropped';
        continue;
      }
      const webhook = destination.webhook;
      const send = (r: DeliveryRecord) =>
        deliver(webhook, r, this.deps.policy(), { signal: this.aborter.signal, now: () => this.deps.clock.now() });
      if (fault?.action === 'duplicate') {
        const twin: DeliveryRecord = { ...record, id: this.nextRecordId++, attempts: [] };
        this.keep(twin);
        this.track(send(record));
        this.track(send(twin));
      } else if (fault?.action === 'delay') {
        const signal = this.aborter.signal;
        this.track(
          sleep(fault.delay_ms ?? 0, undefined, { signal }).then(
            () => send(record),
            () => undefined,
          ),
        );
      } else {
        this.track(send(record));
      }
    }
  }

  private takeFault(record: DeliveryRecord): NotificationFault | undefined {
    const fault = this.faults.find(
      (f) =>
        (f.event_type === undefined || f.event_type === record.event_type) &&
        (f.job_id === undefined || f.job_id === record.job_id),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }

  private keep(record: DeliveryRecord): void {
    this.records.push(record);
    if (this.records.length > KEPT_RECORDS) this.records.splice(0, this.records.length - KEPT_RECORDS);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}

/** Which notification a run's ending sends, if any: muted canceled and skipped runs send none. */
function endEvent(run: JobRun): WebhookEvent | undefined {
  const ending = run.progress.ending;
  if (ending?.resultState === 'SUCCESS') return 'on_success';
  const muting = run.job.notification_settings ?? {};
  if (ending?.resultState === 'CANCELED' && muting.no_alert_for_canceled_runs) return undefined;
  if (run.progress.phase === 'SKIPPED' && muting.no_alert_for_skipped_runs) return undefined;
  return 'on_failure';
}
