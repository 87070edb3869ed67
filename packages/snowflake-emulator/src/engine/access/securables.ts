import { displayQualified, type SnowflakeError, sqlErrors } from '../../errors.js';
import { accessErrors } from '../../errors.js';
import type { DatabaseEntry, SchemaEntry } from '../catalog.js';
import { resolveObjectRef, resolveSchema } from '../name-resolution.js';
import type { EngineServices, StatementContext } from '../statement-context.js';
import type { SecurableKind } from './privileges.js';

/** A securable object named in a statement, with what the checks and SHOW GRANTS need. */
export interface Securable {
  kind: SecurableKind;
  object: object;
  /** The name SHOW GRANTS prints: qualified for schema objects. */
  qualifiedName: string;
  /** The name 003001 prints (the object's own name). */
  name: string;
  /** Its database and schema, for schema-level objects (the role needs USAGE on both). */
  database?: DatabaseEntry;
  schema?: SchemaEntry;
  missing: () => SnowflakeError;
}

/** Resolves `<kind> <name>` as a GRANT, REVOKE or SHOW GRANTS ON names it; missing objects fail with 002003. */
export function resolveSecurable(ctx: StatementContext, kind: SecurableKind, parts: string[]): Securable {
  const engine = ctx.engine;
  const catalog = engine.catalog;
  const state = ctx.session.state;
  const single = parts[parts.length - 1] as string;
  switch (kind) {
    case 'ACCOUNT':
      return accountSecurable(engine);
    case 'DATABASE': {
      const database = catalog.databases.get(single);
      const missing = () => sqlErrors.databaseMissing(single);
      if (!database || parts.length !== 1) throw missing();
      return { kind, object: database, qualifiedName: displayQualified([database.name]), name: database.name, missing };
    }
    case 'SCHEMA': {
      const { database, schema } = resolveSchema(catalog, state, parts, 'GRANT');
      const qualified = [database.name, schema.name];
      return {
        kind,
        object: schema,
        qualifiedName: displayQualified(qualified),
        name: schema.name,
        database,
        missing: () => sqlErrors.schemaMissing(qualified),
      };
    }
    case 'TABLE':
    case 'STAGE':
    case 'FILE FORMAT': {
      const ref = resolveObjectRef(catalog, state, parts, 'GRANT');
      const missing = () =>
        kind === 'TABLE'
          ? sqlErrors.objectMissing(ref.qualified)
          : kind === 'STAGE'
            ? sqlErrors.stageMissing(ref.qualified)
            : sqlErrors.fileFormatMissing(ref.qualified);
      const object =
        kind === 'TABLE'
          ? ref.schema.tables.get(ref.name)
          : kind === 'STAGE'
            ? ref.schema.stages.get(ref.name)
            : ref.schema.fileFormats.get(ref.name);
      if (!object) throw missing();
      return {
        kind,
        object,
        qualifiedName: displayQualified(ref.qualified),
        name: ref.name,
        database: ref.database,
        schema: ref.schema,
        missing,
      };
    }
    case 'INTEGRATION': {
      const object = catalog.catalogIntegrations.get(single) ?? catalog.storageIntegrations.get(single);
      const missing = () => sqlErrors.integrationMissing(single);
      if (!object || parts.length !== 1) throw missing();
      return { kind, object, qualifiedName: displayQualified([single]), name: single, missing };
    }
    case 'WAREHOUSE': {
      const object = engine.access.warehouses.get(single);
      const missing = () => accessErrors.warehouseMissing(single);
      if (!object || parts.length !== 1) throw missing();
      return { kind, object, qualifiedName: displayQualified([single]), name: single, missing };
    }
    case 'ROLE': {
      const object = engine.access.roles.get(single);
      const missing = () => accessErrors.roleMissing(single);
      if (!object || parts.length !== 1) throw missing();
      return { kind, object, qualifiedName: displayQualified([single]), name: single, missing };
    }
  }
}

export function accountSecurable(engine: EngineServices): Securable {
  return {
    kind: 'ACCOUNT',
    object: engine.access.account,
    qualifiedName: engine.account,
    name: engine.account,
    missing: () => accessErrors.insufficientPrivileges('account', engine.account),
  };
}

/** Every securable object of the account, with its kind and name (SHOW GRANTS TO ROLE). */
export function* everySecurable(engine: EngineServices): Generator<Securable> {
  yield accountSecurable(engine);
  const named = (kind: SecurableKind, object: object, name: string): Securable => ({
    kind,
    object,
    qualifiedName: displayQualified([name]),
    name,
    missing: () => sqlErrors.objectMissing([name]),
  });
  for (const role of engine.access.roles.values()) yield named('ROLE', role, role.name);
  for (const warehouse of engine.access.warehouses.values()) yield named('WAREHOUSE', warehouse, warehouse.name);
  for (const i of engine.catalog.catalogIntegrations.values()) yield named('INTEGRATION', i, i.name);
  for (const i of engine.catalog.storageIntegrations.values()) yield named('INTEGRATION', i, i.name);
  for (const database of engine.catalog.databases.values()) {
    yield named('DATABASE', database, database.name);
    for (const schema of database.schemas.values()) {
      if (schema.name === 'INFORMATION_SCHEMA') continue;
      const inSchema = (kind: SecurableKind, object: object, name: string): Securable => ({
        kind,
        object,
        qualifiedName: displayQualified([database.name, schema.name, name]),
        name,
        database,
        schema,
        missing: () => sqlErrors.objectMissing([database.name, schema.name, name]),
      });
      yield {
        ...inSchema('SCHEMA', schema, schema.name),
        qualifiedName: displayQualified([database.name, schema.name]),
      };
      for (const table of schema.tables.values()) yield inSchema('TABLE', table, table.name);
      for (const stage of schema.stages.values()) yield inSchema('STAGE', stage, stage.name);
      for (const format of schema.fileFormats.values()) yield inSchema('FILE FORMAT', format, format.name);
    }
  }
}
