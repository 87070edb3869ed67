import type { DatasetConfig } from '../config/schema.js';
import { CleanupRefusedError } from '../errors.js';

const withSlash = (s: string) => (s.endsWith('/') ? s : `${s}/`);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A sync id as the job catalog defines it (SyncId). */
const SYNC_ID = 'sync_[0-9A-Za-z]{10,40}';

/** One run's place under its dataset's prefix, as the stage names it. */
export interface RunPrefix {
  syncId: string;
  /** Relative to the stage, always ending in `/`: what `REMOVE @stage/<stagePath>` takes. */
  stagePath: string;
}

/** Where every run of a dataset writes, relative to its stage (ends in `/`). */
export function datasetStagePrefix(dataset: DatasetConfig): string {
  const stageUrl = withSlash(dataset.snowflake.stageUrl);
  return withSlash(dataset.export.s3Prefix).slice(stageUrl.length);
}

/**
 * The run path template as a pattern: `{syncId}` captures a sync id (a second
 * `{syncId}` must repeat it), `{dataset}` is the dataset's name, `{date}` a
 * YYYY-MM-DD date, anything else itself; anchored at the dataset's prefix and
 * ending at the run's own `/`, as runLocationFor builds it.
 */
function runPathPattern(dataset: DatasetConfig, datasetName: string): RegExp {
  let seenSyncId = false;
  const template = withSlash(dataset.export.runPathTemplate.replace(/^\/+/, ''));
  const body = template
    .split(/(\{syncId\}|\{dataset\}|\{date\})/)
    .map((piece) => {
      if (piece === '{syncId}') {
        const part = seenSyncId ? '\\k<syncId>' : `(?<syncId>${SYNC_ID})`;
        seenSyncId = true;
        return part;
      }
      if (piece === '{dataset}') return escapeRegExp(datasetName);
      if (piece === '{date}') return '\\d{4}-\\d{2}-\\d{2}';
      return escapeRegExp(piece);
    })
    .join('');
  return new RegExp(`^${escapeRegExp(datasetStagePrefix(dataset))}${body}`);
}

/**
 * The run a staged file belongs to, from its path relative to the stage; undefined for a
 * file no run of this dataset wrote (another dataset's, or someone else's).
 */
export function runOfStagedFile(
  dataset: DatasetConfig,
  datasetName: string,
  relativePath: string,
): RunPrefix | undefined {
  const match = runPathPattern(dataset, datasetName).exec(relativePath);
  const syncId = match?.groups?.syncId;
  if (!match || !syncId || match[0].length >= relativePath.length) return undefined;
  return { syncId, stagePath: match[0] };
}

/**
 * Refuses a removal anywhere but one run's own prefix: the path must be exactly
 * a run path of this dataset, of this sync, ending in `/`. REMOVE takes its path
 * as a prefix (`…/sync_12` would take `…/sync_123/` too), and an empty or
 * shortened path would take every run of the dataset, or the whole stage.
 */
export function requireRunPrefix(
  dataset: DatasetConfig,
  datasetName: string,
  stagePath: string,
  syncId: string,
): RunPrefix {
  const match = runPathPattern(dataset, datasetName).exec(stagePath);
  if (!match || match[0] !== stagePath || match.groups?.syncId !== syncId) {
    throw new CleanupRefusedError(
      `Refusing to remove files under "${stagePath}": it is not the own prefix of run ${syncId} of dataset ${datasetName}.`,
      { details: { stagePath, syncId, dataset: datasetName } },
    );
  }
  return { syncId, stagePath };
}
