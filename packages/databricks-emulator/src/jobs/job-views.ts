import type { JobFixture } from '../fixture-types.js';
import type { RunRegistry } from './run-registry.js';

/** Fixed creation time of fixture jobs (epoch ms): they exist before the emulator starts. */
const JOB_CREATED_TIME = 1_717_200_000_000;

/** A Job (jobs/get) or BaseJob (jobs/list; tasks only with expand_tasks), as the SDK's models name the fields. */
export function renderJob(
  job: JobFixture,
  registry: RunRegistry,
  options: { ownerName: string; includeTasks: boolean },
): Record<string, unknown> {
  const creator = job.owner_user_name ?? options.ownerName;
  const settings: Record<string, unknown> = {
    name: job.name,
    max_concurrent_runs: job.max_concurrent_runs ?? 1,
    queue: { enabled: job.queue_enabled ?? true },
    format: 'MULTI_TASK',
    parameters: (job.parameters ?? []).map((p) => ({ name: p.name, default: p.default })),
  };
  if (job.webhook_notifications) settings.webhook_notifications = job.webhook_notifications;
  if (job.notification_settings) settings.notification_settings = job.notification_settings;
  if (options.includeTasks) {
    settings.tasks = registry.taskKeys(job).map((t) => {
      const declared = job.tasks?.find((d) => d.task_key === t.taskKey);
      const task: Record<string, unknown> = {
        task_key: t.taskKey,
        depends_on: t.dependsOn.map((key) => ({ task_key: key })),
        notebook_task: { notebook_path: t.notebookPath, source: 'WORKSPACE' },
      };
      // The retry policy as the job was created with it (Task.max_retries, min_retry_interval_millis, retry_on_timeout).
      if (declared?.max_retries !== undefined) task.max_retries = declared.max_retries;
      if (declared?.min_retry_interval_millis !== undefined) {
        task.min_retry_interval_millis = declared.min_retry_interval_millis;
      }
      if (declared?.retry_on_timeout !== undefined) task.retry_on_timeout = declared.retry_on_timeout;
      return task;
    });
  }
  return {
    job_id: job.job_id,
    creator_user_name: creator,
    run_as_user_name: creator,
    created_time: JOB_CREATED_TIME,
    settings,
  };
}
