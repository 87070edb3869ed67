import type { DatabricksFixture, GrantFixture } from './fixture-types.js';

/**
 * Gives `principal` every grant `like` holds in the fixture (catalogs, schemas, tables, generated tables), as
 * an admin would when a new service principal takes over an old one's job. For callers that add a principal to
 * an existing fixture (e.g. a test with its own OAuth client over the sandbox). Changes the fixture in place.
 */
export function grantLike(fixture: DatabricksFixture, like: string, principal: string): DatabricksFixture {
  const copy = (grants: GrantFixture[] | undefined): void => {
    for (const grant of [...(grants ?? [])]) {
      if (grant.principal === like) grants?.push({ principal, privileges: [...grant.privileges] });
    }
  };
  for (const catalog of fixture.catalogs) {
    copy(catalog.grants);
    for (const schema of catalog.schemas) {
      copy(schema.grants);
      copy(schema.generated_tables?.grants);
      for (const table of schema.tables ?? []) copy(table.grants);
    }
  }
  return fixture;
}
