import type { ColumnFixture, DatabricksFixture } from '../src/fixture-types.js';

export const exportColumns: ColumnFixture[] = [
  {
    name: 'date',
    type: 'DATE',
    generate: { kind: 'date_cycle', parameter: 'forecast_date', start: '2024-06-01', cycle_days: 1 },
  },
  { name: 'weather_date', type: 'DATE', generate: { kind: 'date_cycle', parameter: 'forecast_date', cycle_days: 16 } },
  { name: 'location_id', type: 'BIGINT' },
  { name: 'latitude', type: 'DOUBLE', generate: { kind: 'uniform', min: 24.5, max: 49.4, decimals: 4 } },
  { name: 'longitude', type: 'DOUBLE', generate: { kind: 'uniform', min: -124.8, max: -66.9, decimals: 4 } },
  { name: 'city', type: 'STRING', generate: { kind: 'choice', values: ['Seattle', 'Denver', 'Austin'] } },
  { name: 'forecast_temp_min_f', type: 'DOUBLE', generate: { kind: 'uniform', min: 10, max: 70, decimals: 1 } },
  {
    name: 'forecast_temp_max_f',
    type: 'DOUBLE',
    generate: { kind: 'offset', column: 'forecast_temp_min_f', min: 5, max: 30 },
  },
  { name: 'forecast_generated_at', type: 'TIMESTAMP' },
];

const small: ColumnFixture[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'label', type: 'STRING' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'day', type: 'DATE' },
  { name: 'at', type: 'TIMESTAMP' },
];

/** A small workspace for tests: fast runs, few written tables, one schema needing many pages. */
export function testFixture(): DatabricksFixture {
  const timing = { pending_ms: 100, running_ms: 200, terminating_ms: 100 };
  return {
    workspace: { workspace_id: 42 },
    auth: {
      personal_access_tokens: [{ token: 'dapi-test-token', user_name: 'tester@example.com' }],
      oauth_clients: [{ client_id: 'test-client', client_secret: 'test-secret', token_ttl_seconds: 3600 }],
    },
    settings: { list_page_size_cap: 10, list_default_page_size: 7, empty_page_every: 3, runs_get_page_size: 100 },
    jobs: [
      {
        job_id: 1001,
        name: 'export-shared-forecasts',
        max_concurrent_runs: 10,
        parameters: [
          { name: 'output_path', default: '' },
          { name: 'forecast_date', default: '2024-06-01' },
        ],
        timing,
        tasks: [{ task_key: 'export' }],
        export: { dataset: 'shared_forecasts', files: 3, rows_per_file: 100, seed: 7, columns: exportColumns },
      },
      {
        job_id: 1002,
        name: 'multi-task',
        max_concurrent_runs: 5,
        timing,
        tasks: [{ task_key: 'ingest' }, { task_key: 'transform', depends_on: ['ingest'] }, { task_key: 'audit' }],
        failing_task: 'ingest',
      },
      { job_id: 1003, name: 'fanout', max_concurrent_runs: 5, task_count: 150, timing },
      {
        job_id: 1004,
        name: 'always-fails',
        max_concurrent_runs: 5,
        outcome: 'FAILED',
        failure_message: 'boom',
        timing,
      },
      { job_id: 1005, name: 'one-at-a-time-queued', max_concurrent_runs: 1, queue_enabled: true, timing },
      { job_id: 1006, name: 'one-at-a-time-no-queue', max_concurrent_runs: 1, queue_enabled: false, timing },
      {
        job_id: 1007,
        name: 'export-with-markers',
        max_concurrent_runs: 5,
        timing,
        export: {
          dataset: 'x',
          files: 2,
          rows_per_file: 10,
          write_commit_markers: true,
          output_parameter: 'target',
          columns: small,
        },
      },
      {
        job_id: 1008,
        name: 'export-partitioned',
        max_concurrent_runs: 5,
        timing,
        export: {
          dataset: 'x',
          files: 2,
          rows_per_file: 10,
          partition_by: 'city',
          columns: [
            { name: 'id', type: 'BIGINT', generate: { kind: 'sequence', start: 1 } },
            { name: 'city', type: 'STRING', generate: { kind: 'choice', values: ['Austin', 'Boston'] } },
          ],
        },
      },
    ],
    catalogs: [
      {
        name: 'main',
        storage_root: 's3://uc-test/main',
        tags: { env: 'test' },
        schemas: [
          {
            name: 'big',
            generated_tables: {
              count: 60,
              name_prefix: 't_',
              formats: ['delta', 'delta', 'delta', 'delta', 'uniform'],
              rows: 3,
              columns: small,
            },
          },
          {
            name: 'mixed',
            tags: { snowflake_uniform_sync: 'true' },
            tables: [
              {
                name: 'uni',
                format: 'uniform',
                rows: 7,
                columns: small,
                tags: { snowflake_uniform_sync: 'true', snowflake_schema: 'MIXED' },
              },
              { name: 'ice', format: 'iceberg', rows: 5, columns: small },
              { name: 'plain', format: 'delta', rows: 5, columns: small },
              { name: 'v', format: 'view', columns: small, view_definition: 'SELECT * FROM main.mixed.uni' },
              {
                name: 'ext',
                format: 'iceberg',
                table_type: 'EXTERNAL',
                storage_location: 's3://ext-bucket/ext',
                rows: 4,
                columns: small,
              },
            ],
          },
        ],
      },
      { name: 'other', schemas: [{ name: 'empty' }] },
    ],
  };
}
