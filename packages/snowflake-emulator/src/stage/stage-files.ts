import type { Dirent } from 'node:fs';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ObjectStore } from '../object-store.js';
import type { Catalog, FileFormatEntry, FileFormatSpec, StageEntry } from '../engine/catalog.js';
import { resolveObjectRef } from '../engine/name-resolution.js';
import type { SessionState } from '../engine/session-state.js';
import { isTrivia, tokenize } from '../engine/sql-lexer.js';
import { identifierName, isIdentifierToken } from '../engine/token-cursor.js';
import { sqlErrors } from '../errors.js';

/** A file under a stage location, as LIST and COPY see it. */
export interface StagedFile {
  /** Full URL: `s3://bucket/prefix/file.parquet`. */
  url: string;
  /** Path relative to the stage URL (what PATTERN is matched against). */
  relativePath: string;
  localPath: string;
  size: number;
  md5: string;
  lastModified: Date;
}

/** `@db.schema.stage/some/path` split into the stage's name parts and the path. */
export function parseStageReference(reference: string): { nameParts: string[]; path: string } {
  if (reference.startsWith('~') || reference.startsWith('%'))
    throw sqlErrors.unsupported('user and table stages (@~, @%table)');
  let inQuotes = false;
  let cut = reference.length;
  for (let i = 0; i < reference.length; i++) {
    const ch = reference[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === '/' && !inQuotes) {
      cut = i;
      break;
    }
  }
  const tokens = tokenize(reference.slice(0, cut)).filter((t) => !isTrivia(t));
  const nameParts = tokens.filter(isIdentifierToken).map(identifierName);
  if (nameParts.length === 0 || nameParts.length > 3) throw sqlErrors.unexpected(`@${reference}`);
  return { nameParts, path: reference.slice(cut + 1) };
}

export function resolveStage(catalog: Catalog, session: SessionState, nameParts: string[]): StageEntry {
  const ref = resolveObjectRef(catalog, session, nameParts, 'this operation');
  const stage = ref.schema.stages.get(ref.name);
  if (!stage) throw sqlErrors.stageMissing(ref.qualified);
  return stage;
}

/** Resolves a named file format given as a string ('db.schema.fmt' or 'fmt'). */
export function resolveFileFormat(catalog: Catalog, session: SessionState, name: string | string[]): FileFormatEntry {
  const parts = Array.isArray(name) ? name : tokenize(name).filter(isIdentifierToken).map(identifierName);
  const ref = resolveObjectRef(catalog, session, parts, 'this operation');
  const format = ref.schema.fileFormats.get(ref.name);
  if (!format) throw sqlErrors.fileFormatMissing(ref.qualified);
  return format;
}

/** The stage's own file format (inline or named), if any. */
export function stageFileFormat(catalog: Catalog, session: SessionState, stage: StageEntry): FileFormatSpec | null {
  if (stage.fileFormatName) return resolveFileFormat(catalog, session, stage.fileFormatName).spec;
  return stage.fileFormat;
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file under a directory, recursively; a missing directory has none. */
export async function walk(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

/**
 * Files whose key starts with `<stage url>/<path>` (S3 prefix semantics: a
 * path need not end at a directory), sorted by URL. `pattern` is matched
 * against the whole path relative to the stage URL.
 */
export async function listStagedFiles(
  store: ObjectStore,
  stageUrl: string,
  path: string,
  pattern?: RegExp,
): Promise<StagedFile[]> {
  const base = stageUrl.endsWith('/') ? stageUrl : `${stageUrl}/`;
  const prefixUrl = `${base}${path}`;
  const baseDir = store.pathOf(base);
  const prefixPath = store.pathOf(prefixUrl);
  const searchDir = prefixUrl.endsWith('/') ? prefixPath : join(prefixPath, '..');
  const files: StagedFile[] = [];
  for (const localPath of await walk(searchDir)) {
    if (!(localPath === prefixPath || localPath.startsWith(prefixUrl.endsWith('/') ? prefixPath + sep : prefixPath)))
      continue;
    const relativePath = relative(baseDir, localPath).split(sep).join('/');
    if (pattern && !pattern.test(relativePath)) continue;
    const info = await stat(localPath);
    files.push({
      url: `${base}${relativePath}`,
      relativePath,
      localPath,
      size: info.size,
      md5: await md5Of(localPath),
      lastModified: info.mtime,
    });
  }
  return files.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}

/** Snowflake's PATTERN: a regular expression that must match the whole relative path. */
export function patternRegExp(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    throw sqlErrors.invalidValue(`Invalid regular expression '${pattern}'`);
  }
}
