import { databricksErrors } from '../errors.js';
import type { CatalogEntry, SchemaEntry, SecurableAccess, TableEntry } from './catalog-store.js';
import { expandPrivileges, PRIVILEGES, type Privilege } from './privileges.js';

/** How much of a securable a principal may see. */
export type Visibility = 'full' | 'browse' | 'none';

export interface AccessPolicyOptions {
  /** Metastore admins see every catalog, schema and table. */
  metastoreAdmins: readonly string[];
  /** The owner of securables whose fixture names none. */
  defaultOwner: string;
  /**
   * False for a fixture that grants nothing anywhere: then every authenticated principal may see and vend
   * everything (the metastore is open to the fixture's own principals), so small fixtures need no grants.
   */
  enforced: boolean;
}

/**
 * Unity Catalog's visibility rules, as the REST reference documents them for each call
 * (databricks-sdk-py `service/catalog.py` docstrings, which are generated from the REST reference):
 * - catalogs list / get: "If the caller is the metastore admin, all catalogs will be retrieved. Otherwise, only
 *   catalogs owned by the caller (or for which the caller has the USE_CATALOG privilege)";
 * - schemas list: "If the caller is the metastore admin or the owner of the parent catalog, all schemas for the
 *   catalog will be retrieved. Otherwise, only schemas owned by the caller (or for which the caller has the
 *   USE_SCHEMA privilege)";
 * - tables list / get: "The caller must be a metastore admin or an owner of (or have the SELECT privilege on) the
 *   table. For the latter case, the caller must also be the owner or have the USE_CATALOG privilege on the parent
 *   catalog and the USE_SCHEMA privilege on the parent schema" (get: the parent catalog's owner sees all);
 * - `include_browse`: also list securables "for which the principal can only access selective metadata" (the
 *   BROWSE privilege), marked `browse_only: true`.
 * A privilege granted on a catalog or schema is inherited by everything inside it. The `information_schema` of a
 * catalog is readable by everyone who may use the catalog (its rows are filtered per caller in Databricks).
 */
export class AccessPolicy {
  readonly #admins: ReadonlySet<string>;
  readonly #defaultOwner: string;
  readonly #enforced: boolean;

  constructor(options: AccessPolicyOptions) {
    this.#admins = new Set(options.metastoreAdmins);
    this.#defaultOwner = options.defaultOwner;
    this.#enforced = options.enforced;
  }

  isAdmin(principal: string): boolean {
    return !this.#enforced || this.#admins.has(principal);
  }

  ownerOf(securable: { access: SecurableAccess }): string {
    return securable.access.owner ?? this.#defaultOwner;
  }

  /** Whether `principal` holds `privilege` on the securable, granted there or on a parent. */
  holds(principal: string, privilege: Privilege, ...chain: Array<{ access: SecurableAccess }>): boolean {
    return chain.some((securable) =>
      securable.access.grants.some(
        (grant) => grant.principal === principal && expandPrivileges(grant.privileges).has(privilege),
      ),
    );
  }

  catalogVisibility(principal: string, catalog: CatalogEntry): Visibility {
    if (this.isAdmin(principal) || this.#owns(principal, catalog)) return 'full';
    if (this.holds(principal, 'USE_CATALOG', catalog)) return 'full';
    return this.holds(principal, 'BROWSE', catalog) ? 'browse' : 'none';
  }

  schemaVisibility(principal: string, catalog: CatalogEntry, schema: SchemaEntry): Visibility {
    if (this.isAdmin(principal) || this.#owns(principal, catalog)) return 'full';
    if (schema.name === 'information_schema' && this.holds(principal, 'USE_CATALOG', catalog)) return 'full';
    if (this.#owns(principal, schema) || this.holds(principal, 'USE_SCHEMA', catalog, schema)) return 'full';
    return this.holds(principal, 'BROWSE', catalog, schema) ? 'browse' : 'none';
  }

  tableVisibility(principal: string, catalog: CatalogEntry, schema: SchemaEntry, table: TableEntry): Visibility {
    if (this.isAdmin(principal) || this.#owns(principal, catalog)) return 'full';
    const usesParents =
      this.holds(principal, 'USE_CATALOG', catalog) &&
      (this.#owns(principal, schema) ||
        this.holds(principal, 'USE_SCHEMA', catalog, schema) ||
        schema.name === 'information_schema');
    if (
      usesParents &&
      (this.#owns(principal, table) ||
        this.#owns(principal, schema) ||
        this.holds(principal, 'SELECT', catalog, schema, table) ||
        schema.name === 'information_schema')
    ) {
      return 'full';
    }
    return this.holds(principal, 'BROWSE', catalog, schema, table) ? 'browse' : 'none';
  }

  /** GET a catalog, or list its schemas: the caller must be able to use the catalog. */
  requireUseCatalog(principal: string, catalog: CatalogEntry, includeBrowse: boolean): void {
    const seen = this.catalogVisibility(principal, catalog);
    if (seen === 'full' || (seen === 'browse' && includeBrowse)) return;
    throw databricksErrors.permissionDenied('USE_CATALOG', 'Catalog', catalog.name);
  }

  /** List the tables of a schema: USE CATALOG and USE SCHEMA (or ownership) on the parents. */
  requireUseSchema(principal: string, catalog: CatalogEntry, schema: SchemaEntry, includeBrowse: boolean): void {
    if (this.isAdmin(principal) || this.#owns(principal, catalog)) return;
    const browse = includeBrowse && this.holds(principal, 'BROWSE', catalog, schema);
    if (!this.holds(principal, 'USE_CATALOG', catalog) && !browse) {
      throw databricksErrors.permissionDenied('USE_CATALOG', 'Catalog', catalog.name);
    }
    if (this.schemaVisibility(principal, catalog, schema) === 'full' || browse) return;
    throw databricksErrors.permissionDenied('USE_SCHEMA', 'Schema', `${catalog.name}.${schema.name}`);
  }

  /** GET a table: the parents' privileges first (the first one missing is named), then SELECT or ownership. */
  requireTable(
    principal: string,
    catalog: CatalogEntry,
    schema: SchemaEntry,
    table: TableEntry,
    includeBrowse: boolean,
  ): Visibility {
    const seen = this.tableVisibility(principal, catalog, schema, table);
    if (seen === 'full' || (seen === 'browse' && includeBrowse)) return seen;
    this.requireUseSchema(principal, catalog, schema, false);
    throw databricksErrors.permissionDenied('SELECT', 'Table', `${catalog.name}.${schema.name}.${table.name}`);
  }

  /**
   * Table credential vending (the Iceberg REST catalog's vended credentials): "the requesting Databricks
   * principal must have the EXTERNAL USE SCHEMA privilege on the schema that contains the table"
   * (https://docs.databricks.com/external-access/credential-vending.html). Owners and admins are not exempt:
   * the privilege "can only be granted by catalog owners" and must be granted explicitly.
   */
  requireExternalUse(principal: string, catalog: CatalogEntry, schema: SchemaEntry): void {
    if (!this.#enforced || this.holds(principal, 'EXTERNAL_USE_SCHEMA', catalog, schema)) return;
    throw databricksErrors.permissionDenied('EXTERNAL_USE_SCHEMA', 'Schema', `${catalog.name}.${schema.name}`);
  }

  /**
   * What GET effective-permissions reports for one principal on a securable: each privilege it holds, granted
   * there or inherited from a parent (`inherited_from_type` / `inherited_from_name`), ALL PRIVILEGES expanded.
   */
  effectivePrivileges(
    principal: string,
    chain: Array<{ type: 'CATALOG' | 'SCHEMA' | 'TABLE'; name: string; securable: { access: SecurableAccess } }>,
  ): Array<{ privilege: Privilege; inherited_from_type?: string; inherited_from_name?: string }> {
    const target = chain[chain.length - 1];
    if (!this.#enforced) {
      // An open metastore (a fixture without grants): everyone holds everything, as if granted on the catalog.
      const catalog = chain[0];
      return PRIVILEGES.filter((p) => p !== 'ALL_PRIVILEGES').map((privilege) =>
        catalog === target || catalog === undefined
          ? { privilege }
          : { privilege, inherited_from_type: catalog.type, inherited_from_name: catalog.name },
      );
    }
    const out = new Map<
      Privilege,
      { privilege: Privilege; inherited_from_type?: string; inherited_from_name?: string }
    >();
    for (const link of [...chain].reverse()) {
      for (const grant of link.securable.access.grants) {
        if (grant.principal !== principal) continue;
        for (const privilege of expandPrivileges(grant.privileges)) {
          if (privilege === 'ALL_PRIVILEGES' || out.has(privilege)) continue;
          out.set(
            privilege,
            link === target
              ? { privilege }
              : { privilege, inherited_from_type: link.type, inherited_from_name: link.name },
          );
        }
      }
    }
    return [...out.values()].sort((a, b) => (a.privilege < b.privilege ? -1 : 1));
  }

  #owns(principal: string, securable: { access: SecurableAccess }): boolean {
    return this.ownerOf(securable) === principal;
  }
}
