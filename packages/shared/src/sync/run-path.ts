import type { DatasetConfig } from '../config/schema.js';

export interface RunLocation {
  /** Where the export writes: s3://bucket/prefix/<run path>/ (always ends with a slash). */
  outputUrl: string;
  /** The same place relative to the stage, for COPY INTO @stage/<stagePath>. */
  stagePath: string;
}

const withSlash = (s: string) => (s.endsWith('/') ? s : `${s}/`);

/** Expands the dataset's run path template for one sync: each sync gets its own prefix. */
export function runLocationFor(
  dataset: DatasetConfig,
  vars: { syncId: string; dataset: string; now: Date },
): RunLocation {
  const runPath = dataset.export.runPathTemplate
    .replaceAll('{syncId}', vars.syncId)
    .replaceAll('{dataset}', vars.dataset)
    .replaceAll('{date}', vars.now.toISOString().slice(0, 10))
    .replace(/^\/+/, '');
  const outputUrl = withSlash(`${withSlash(dataset.export.s3Prefix)}${runPath}`);
  const stageUrl = withSlash(dataset.snowflake.stageUrl);
  // The config schema guarantees s3Prefix lies under stageUrl.
  return { outputUrl, stagePath: outputUrl.slice(stageUrl.length) };
}
