import type { JobFixture } from '@d2s/databricks-emulator';

/**
 * Datasets the load-mode tests share (merge.e2e, backfills.e2e, web-loads.e2e), and the Databricks job one of
 * them runs, so a change to the change log or a dataset's YAML is made once.
 */

/**
 * A change log over 40 customer ids, 60 rows a run (so keys repeat within a run), each with a changed_at (the
 * latest wins), an op ("delete" deletes the key) and the run's batch parameter.
 */
export const CHANGE_LOG_JOB: JobFixture = {
  job_id: 1009,
  name: 'export-customer-changes',
  max_concurrent_runs: 10,
  parameters: [
    { name: 'output_path', default: 's3://d2s-sandbox/exports/manual' },
    { name: 'batch', default: 'b1' },
  ],
  timing: { pending_ms: 500, running_ms: 1000, terminating_ms: 200 },
  export: {
    dataset: 'customer_changes',
    files: 2,
    rows_per_file: 30,
    seed: 15,
    write_commit_markers: true,
    columns: [
      {
        name: 'customer_id',
        type: 'BIGINT',
        generate: { kind: 'choice', values: Array.from({ length: 40 }, (_, i) => String(i + 1)) },
      },
      { name: 'changed_at', type: 'TIMESTAMP', generate: { kind: 'timestamp_step', start: '2024-06-01T00:00:00Z' } },
      { name: 'name', type: 'STRING', generate: { kind: 'choice', values: ['Ada', 'Grace', 'Edsger', 'Barbara'] } },
      { name: 'op', type: 'STRING', generate: { kind: 'choice', values: ['upsert', 'upsert', 'upsert', 'delete'] } },
      { name: 'batch', type: 'STRING', generate: { kind: 'parameter', parameter: 'batch' } },
    ],
  },
};

/** The merge load of the change log: the latest row per customer id wins, an op of "delete" deletes it. */
export const CUSTOMERS_MERGE_LOAD =
  '{ mode: merge, keys: [customer_id], orderBy: changed_at, deleteWhen: { column: op, value: delete } }';

/**
 * A dataset (an entry under `datasets:`) fed by CHANGE_LOG_JOB, loading into D2S_SANDBOX.PUBLIC.<table>;
 * `oneAtATime` queues its syncs behind each other (singleActive with onBusy: queue).
 */
export const changeLogDatasetYaml = (name: string, table: string, load: string, oneAtATime = false) => `
  ${name}:
    databricks: { jobId: 1009, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-sandbox/exports/${name}, maxRunDurationSeconds: 600 }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: CHANGES_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      createStage: true
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: ${table} }
      createTable: true
    load: ${load}
    parameters:
      batch: { type: string, required: true }
    singleActive: ${oneAtATime}${oneAtATime ? '\n    onBusy: queue' : ''}`;

/**
 * `forecasts_backfill` (an entry under `datasets:`): the sandbox forecasts job, one sync per forecast_date,
 * appending to FORECASTS_BACKFILL. `extraParameters` are more lines under `parameters:`.
 */
export const forecastsBackfillDatasetYaml = (extraParameters: string[] = []) => `
  forecasts_backfill:
    databricks: { jobId: 1001, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-sandbox/exports/forecasts_backfill, maxRunDurationSeconds: 600 }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: SHARED_FORECASTS_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      createStage: true
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: FORECASTS_BACKFILL }
      createTable: true
    parameters:
      forecast_date: { type: date, default: "2024-06-01" }${extraParameters.map((line) => `\n      ${line}`).join('')}
    singleActive: false`;
