import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, duckQuery, startTestEmulator, type TestEmulator, waitForRun } from '../../test-support/harness.js';

describe('export job output', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ timeScale: 0.1 });
  });
  afterAll(() => emu.stop());

  const runExport = async (
    outputPath: string,
    extra: Record<string, string> = {},
    jobId = 1001,
    parameter = 'output_path',
  ) => {
    const created = await api(emu, 'POST', '/api/2.2/jobs/run-now', {
      body: { job_id: jobId, job_parameters: { [parameter]: outputPath, ...extra } },
    });
    return waitForRun(emu, created.body.run_id);
  };

  it('writes the configured Parquet files before reporting SUCCESS', async () => {
    const run = await runExport('s3://exports/shared_forecasts/run-a');
    expect(run.body.state.result_state).toBe('SUCCESS');
    const dir = join(emu.objectStoreRoot, 'exports/shared_forecasts/run-a');
    const written = (await readdir(dir)).sort();
    const files = written.filter((f) => f.startsWith('part-'));
    expect(files).toHaveLength(3);
    for (const f of files) expect(f).toMatch(/^part-0000\d-[0-9a-f-]{36}-c000\.snappy\.parquet$/);
    // By default, as every Spark job on Databricks (DBIO transactional commit, the default since DBR 3.0:
    // https://docs.databricks.com/en/archive/legacy/dbio-commit.html): _started_<txn>, _committed_<txn> and an
    // empty _SUCCESS beside the part files.
    const markers = written.filter((f) => !f.startsWith('part-'));
    expect(markers).toEqual([
      '_SUCCESS',
      expect.stringMatching(/^_committed_\d{10,19}$/),
      expect.stringMatching(/^_started_\d{10,19}$/),
    ]);
    expect(markers[1]?.slice('_committed_'.length)).toBe(markers[2]?.slice('_started_'.length));
    expect(JSON.parse(await readFile(join(dir, markers[1] as string), 'utf8'))).toEqual({ added: files, removed: [] });
    expect(await readFile(join(dir, '_SUCCESS'), 'utf8')).toBe('');

    const rows = await duckQuery(
      `SELECT count(*) AS n, count(DISTINCT location_id) AS ids FROM read_parquet('${dir}/*.parquet')`,
    );
    expect(rows[0]).toEqual({ n: 300n, ids: 300n });
    const schema = await duckQuery(`DESCRIBE SELECT * FROM read_parquet('${dir}/*.parquet')`);
    expect(schema.map((c) => [c.column_name, c.column_type])).toEqual([
      ['date', 'DATE'],
      ['weather_date', 'DATE'],
      ['location_id', 'BIGINT'],
      ['latitude', 'DOUBLE'],
      ['longitude', 'DOUBLE'],
      ['city', 'VARCHAR'],
      ['forecast_temp_min_f', 'DOUBLE'],
      ['forecast_temp_max_f', 'DOUBLE'],
      ['forecast_generated_at', 'TIMESTAMP'],
    ]);
    const ranges = await duckQuery(
      `SELECT min(date)::VARCHAR AS d0, max(date)::VARCHAR AS d1, max(weather_date)::VARCHAR AS w1,
              bool_and(forecast_temp_max_f >= forecast_temp_min_f + 5) AS ordered,
              bool_and(latitude BETWEEN 24.5 AND 49.4) AS lat_ok
       FROM read_parquet('${dir}/*.parquet')`,
    );
    expect(ranges[0]).toEqual({ d0: '2024-06-01', d1: '2024-06-01', w1: '2024-06-16', ordered: true, lat_ok: true });

    const taskRunId = run.body.tasks[0].run_id as number;
    const output = await api(emu, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${taskRunId}`);
    const result = JSON.parse(output.body.notebook_output.result);
    expect(result).toEqual({ output_path: 's3://exports/shared_forecasts/run-a', files, row_count: 300 });
  });

  it('derives data from seed + parameters (not from the output path)', async () => {
    await runExport('s3://exports/det/one');
    await runExport('s3://exports/det/two');
    await runExport('s3://exports/det/three', { forecast_date: '2024-07-04' });
    const digest = async (name: string) =>
      (
        await duckQuery(
          `SELECT sum(hash(location_id, latitude, city, forecast_temp_min_f))::VARCHAR AS h, min(date)::VARCHAR AS d
           FROM read_parquet('${join(emu.objectStoreRoot, 'exports/det', name)}/*.parquet')`,
        )
      )[0];
    const one = await digest('one');
    expect(await digest('two')).toEqual(one);
    const three = await digest('three');
    expect(three?.d).toBe('2024-07-04');
    expect(three?.h).not.toBe(one?.h);
  });

  it('replaces the previous part files in the same directory and leaves no temp files', async () => {
    await runExport('s3://exports/overwrite/x');
    await runExport('s3://exports/overwrite/x');
    const files = await readdir(join(emu.objectStoreRoot, 'exports/overwrite/x'));
    expect(files.filter((f) => f.endsWith('.parquet'))).toHaveLength(3);
    expect(files.filter((f) => f.startsWith('_'))).toHaveLength(3);
    expect(await readdir(join(emu.objectStoreRoot, '.databricks-emulator-tmp'))).toEqual([]);
  });

  it('writes Spark commit markers when configured, using the job-specific parameter name', async () => {
    const run = await runExport('s3://exports/markers', {}, 1007, 'target');
    expect(run.body.state.result_state).toBe('SUCCESS');
    const files = (await readdir(join(emu.objectStoreRoot, 'exports/markers'))).sort();
    expect(files.filter((f) => f.endsWith('.parquet'))).toHaveLength(2);
    expect(files).toContain('_SUCCESS');
    expect(files.some((f) => f.startsWith('_committed_'))).toBe(true);
    const committed = files.find((f) => f.startsWith('_committed_')) ?? '';
    const manifest = JSON.parse(await readFile(join(emu.objectStoreRoot, 'exports/markers', committed), 'utf8'));
    expect(manifest.added).toHaveLength(2);
  });

  it('writes partitioned output into column=value folders without that column, each with its commit files', async () => {
    const run = await runExport('s3://exports/partitioned', {}, 1008);
    expect(run.body.state.result_state).toBe('SUCCESS');
    const dir = join(emu.objectStoreRoot, 'exports/partitioned');
    const top = (await readdir(dir)).sort();
    expect(top).toEqual(['_SUCCESS', 'city=Austin', 'city=Boston']);
    const folder = (await readdir(join(dir, 'city=Austin'))).sort();
    expect(folder.filter((f) => f.endsWith('.parquet')).length).toBeGreaterThan(0);
    expect(folder.some((f) => f.startsWith('_committed_'))).toBe(true);
    expect(folder.some((f) => f.startsWith('_started_'))).toBe(true);
    const rows = await duckQuery(`SELECT count(*) AS n FROM read_parquet('${dir}/*/*.parquet')`);
    expect(rows[0]).toEqual({ n: 20n });
    const schema = await duckQuery(
      `DESCRIBE SELECT * FROM read_parquet('${dir}/city=Austin/*.parquet', hive_partitioning = false)`,
    );
    expect(schema.map((c) => c.column_name)).not.toContain('city');
  });

  it('fails the run when the output parameter is missing or not an s3:// URL', async () => {
    const missing = await runExport('');
    expect(missing.body.state.result_state).toBe('FAILED');
    expect(missing.body.state.state_message).toMatch(/output_path/);
    const bad = await runExport('/etc/passwd');
    expect(bad.body.state.result_state).toBe('FAILED');
    expect(bad.body.status.termination_details.type).toBe('CLIENT_ERROR');
    const output = await api(emu, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${bad.body.tasks[0].run_id}`);
    expect(output.body.error).toMatch(/not an s3:\/\/ URL/);
  });
});
