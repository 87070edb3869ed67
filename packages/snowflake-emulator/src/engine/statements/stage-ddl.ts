import { displayIdentifier, SnowflakeError, sqlErrors } from '../../errors.js';
import {
  authorizeAccount,
  authorizeCreateIn,
  authorizeIntegration,
  authorizeStageObject,
  ownNewObject,
} from '../access/authorize.js';
import type { FileFormatSpec } from '../catalog.js';
import { resolveObjectRef } from '../name-resolution.js';
import { tokenize } from '../sql-lexer.js';
import type { StatementContext } from '../statement-context.js';
import { type StatementResult, statusResult } from '../statement-result.js';
import {
  identifierName,
  isIdentifierToken,
  type OptionMap,
  optionBool,
  optionGroup,
  optionStrings,
  optionText,
} from '../token-cursor.js';

/** `(TYPE = PARQUET ...)` as a file format spec (keys upper-cased, values as text). */
export function fileFormatSpec(options: OptionMap): FileFormatSpec {
  const type = (optionText(options.get('TYPE')) ?? 'CSV').toUpperCase();
  const rest: Record<string, string> = {};
  for (const [key, value] of options) if (key !== 'TYPE') rest[key] = optionText(value) ?? '';
  return { type, options: rest };
}

function nameParts(text: string): string[] {
  return tokenize(text).filter(isIdentifierToken).map(identifierName);
}

/**
 * CREATE [OR REPLACE] STAGE [IF NOT EXISTS] name URL = 's3://...'
 *   [STORAGE_INTEGRATION = i] [CREDENTIALS = (...)] [FILE_FORMAT = (TYPE = ... | FORMAT_NAME = '...')]
 *   [COPY_OPTIONS = (...)] [COMMENT = '...']
 */
export async function createStage(ctx: StatementContext, orReplace: boolean): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifNotExists = c.acceptIfNotExists();
  const ref = resolveObjectRef(ctx.engine.catalog, ctx.session.state, c.objectName(), 'CREATE STAGE');
  const options = c.optionList();
  c.expectEnd();
  authorizeCreateIn(ctx, ref, 'CREATE STAGE');
  const existing = ref.schema.stages.get(ref.name);
  if (existing && ifNotExists)
    return statusResult(`${displayIdentifier(ref.name)} already exists, statement succeeded.`);
  if (existing && !orReplace) throw sqlErrors.alreadyExists('Object', ref.qualified);
  if (existing) authorizeStageObject(ctx, 'stage', ref.qualified, 'OWNERSHIP');
  const url = optionText(options.get('URL'));
  if (!url) throw sqlErrors.unsupported('internal stages (a stage without URL)');
  if (!/^s3a?:\/\/[^/]+/.test(url)) throw sqlErrors.invalidValue(`invalid URL prefix found in: '${url}'`);
  const integrationName = optionText(options.get('STORAGE_INTEGRATION')) ?? null;
  if (integrationName !== null) {
    const integration = ctx.engine.catalog.storageIntegrations.get(integrationName);
    if (!integration) throw sqlErrors.integrationMissing(integrationName);
    authorizeIntegration(ctx, integration, integrationName, 'USAGE');
    const allowed = integration.allowedLocations.some((loc) => loc === '*' || url.startsWith(loc));
    const blocked = integration.blockedLocations.some((loc) => url.startsWith(loc));
    if (!allowed || blocked)
      throw new SnowflakeError(
        '003118',
        '42601',
        `SQL execution error: URL '${url}' does not match the storage integration's allowed locations.`,
      );
  }
  const format = optionGroup(options.get('FILE_FORMAT'));
  const formatName = format?.get('FORMAT_NAME');
  ref.schema.stages.set(ref.name, {
    name: ref.name,
    url,
    storageIntegration: integrationName,
    fileFormat: format && !formatName ? fileFormatSpec(format) : null,
    fileFormatName: formatName ? nameParts(optionText(formatName) ?? '') : null,
    createdOn: ctx.engine.clock(),
    comment: optionText(options.get('COMMENT')) ?? null,
    owner: ctx.session.state.role,
  });
  return statusResult(`Stage area ${displayIdentifier(ref.name)} successfully created.`);
}

export async function dropStage(ctx: StatementContext): Promise<StatementResult> {
  return dropSchemaObject(ctx, 'stages');
}

export async function dropFileFormat(ctx: StatementContext): Promise<StatementResult> {
  return dropSchemaObject(ctx, 'fileFormats');
}

async function dropSchemaObject(ctx: StatementContext, kind: 'stages' | 'fileFormats'): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  const parts = c.objectName();
  c.expectEnd();
  const name = parts[parts.length - 1] as string;
  let ref: ReturnType<typeof resolveObjectRef> | undefined;
  try {
    ref = resolveObjectRef(ctx.engine.catalog, ctx.session.state, parts, 'DROP');
  } catch (err) {
    if (!ifExists) throw err;
  }
  if (ref?.schema[kind].has(ref.name))
    authorizeStageObject(ctx, kind === 'stages' ? 'stage' : 'file format', ref.qualified, 'OWNERSHIP');
  if (!ref?.schema[kind].has(ref.name)) {
    if (ifExists)
      return statusResult(`Drop statement executed successfully (${displayIdentifier(name)} already dropped).`);
    throw kind === 'stages'
      ? sqlErrors.stageMissing(ref?.qualified ?? parts)
      : sqlErrors.fileFormatMissing(ref?.qualified ?? parts);
  }
  ref.schema[kind].delete(ref.name);
  return statusResult(`${displayIdentifier(ref.name)} successfully dropped.`);
}

/** CREATE [OR REPLACE] FILE FORMAT [IF NOT EXISTS] name TYPE = PARQUET [options] [COMMENT = '...'] */
export async function createFileFormat(ctx: StatementContext, orReplace: boolean): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifNotExists = c.acceptIfNotExists();
  const ref = resolveObjectRef(ctx.engine.catalog, ctx.session.state, c.objectName(), 'CREATE FILE FORMAT');
  const options = c.optionList();
  c.expectEnd();
  authorizeCreateIn(ctx, ref, 'CREATE FILE FORMAT');
  const existing = ref.schema.fileFormats.get(ref.name);
  if (existing && ifNotExists)
    return statusResult(`${displayIdentifier(ref.name)} already exists, statement succeeded.`);
  if (existing && !orReplace) throw sqlErrors.alreadyExists('Object', ref.qualified);
  if (existing) authorizeStageObject(ctx, 'file format', ref.qualified, 'OWNERSHIP');
  const comment = optionText(options.get('COMMENT')) ?? null;
  options.delete('COMMENT');
  ref.schema.fileFormats.set(ref.name, {
    name: ref.name,
    spec: fileFormatSpec(options),
    createdOn: ctx.engine.clock(),
    comment,
    owner: ctx.session.state.role,
  });
  return statusResult(`File format ${displayIdentifier(ref.name)} successfully created.`);
}

/**
 * CREATE [OR REPLACE] STORAGE INTEGRATION [IF NOT EXISTS] name TYPE = EXTERNAL_STAGE
 *   STORAGE_PROVIDER = 'S3' ENABLED = TRUE STORAGE_AWS_ROLE_ARN = '...'
 *   STORAGE_ALLOWED_LOCATIONS = ('s3://...') [STORAGE_BLOCKED_LOCATIONS = (...)] [COMMENT = '...']
 */
export async function createStorageIntegration(ctx: StatementContext, orReplace: boolean): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifNotExists = c.acceptIfNotExists();
  const name = c.identifier();
  const options = c.optionList();
  c.expectEnd();
  authorizeAccount(ctx, 'CREATE INTEGRATION');
  const integrations = ctx.engine.catalog.storageIntegrations;
  const existing = integrations.get(name);
  if (existing && orReplace && !ifNotExists) authorizeIntegration(ctx, existing, name, 'OWNERSHIP');
  if (integrations.has(name) || ctx.engine.catalog.catalogIntegrations.has(name)) {
    if (ifNotExists) return statusResult(`${displayIdentifier(name)} already exists, statement succeeded.`);
    if (!orReplace) throw sqlErrors.alreadyExists('Object', [name]);
  }
  if ((optionText(options.get('TYPE')) ?? '').toUpperCase() !== 'EXTERNAL_STAGE')
    throw sqlErrors.invalidValue('TYPE must be EXTERNAL_STAGE');
  const integration = {
    name,
    enabled: optionBool(options.get('ENABLED')) ?? false,
    allowedLocations: optionStrings(options.get('STORAGE_ALLOWED_LOCATIONS')),
    blockedLocations: optionStrings(options.get('STORAGE_BLOCKED_LOCATIONS')),
    comment: optionText(options.get('COMMENT')) ?? null,
    createdOn: ctx.engine.clock(),
  };
  integrations.set(name, integration);
  ownNewObject(ctx, integration);
  return statusResult(`Integration ${displayIdentifier(name)} successfully created.`);
}
