import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unlink, writeFile } from 'node:fs/promises';
import { type DriverConnection, failureOf, writeParquet } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';
import { IcebergTestTable } from '../../test-support/iceberg-table-writer.js';

/**
 * A tiny Iceberg REST catalog with a Databricks-style OAuth token endpoint, serving one table
 * whose metadata tree (metadata.json -> Avro manifest list -> Avro manifests -> Parquet) a test
 * writes with IcebergTestTable; load-table answers with its current metadata-location.
 */
function fakeCatalog(): Promise<{ server: Server; url: string; requests: string[]; auth: { token: string } }> {
  const requests: string[] = [];
  // The one token the catalog accepts (and issues); a test changes it to revoke the ones issued before.
  const auth = { token: 'token-1' };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/oidc/v1/token') {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const expected = `Basic ${Buffer.from('client-id:good-secret').toString('base64')}`;
        if (req.headers.authorization !== expected || !body.includes('grant_type=client_credentials'))
          return json(401, { error: 'invalid_client', error_description: 'Client authentication failed' });
        json(200, {
          access_token: auth.token,
          token_type: 'Bearer',
          expires_in: 3600,
          scope: new URLSearchParams(body).get('scope'),
        });
      });
      return;
    }
    if (req.headers.authorization !== `Bearer ${auth.token}`)
      return json(401, { error: { message: 'Invalid token', type: 'NotAuthorizedException', code: 401 } });
    const base = '/api/2.1/unity-catalog/iceberg-rest/v1';
    if (url.pathname === `${base}/config`) {
      if (url.searchParams.get('warehouse') !== 'main')
        return json(404, {
          error: {
            message: `Catalog '${url.searchParams.get('warehouse')}' does not exist.`,
            type: 'NoSuchWarehouseException',
            code: 404,
          },
        });
      return json(200, { defaults: {}, overrides: { prefix: 'catalogs/main' } });
    }
    if (url.pathname === `${base}/catalogs/main/namespaces`) return json(200, { namespaces: [['sales']] });
    if (url.pathname === `${base}/catalogs/main/namespaces/sales/tables`)
      return json(200, { identifiers: [{ namespace: ['sales'], name: 'orders' }] });
    if (url.pathname === `${base}/catalogs/main/namespaces/sales/tables/orders`)
      return json(200, { 'metadata-location': orders.metadataLocation, metadata: orders.metadata, config: {} });
    return json(404, {
      error: {
        message: `Table does not exist: ${url.pathname.split('/').slice(-3).join('.')}`,
        type: 'NoSuchTableException',
        code: 404,
      },
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, auth }),
    ),
  );
}

let h: Harness;
let c: DriverConnection;
let catalog: Awaited<ReturnType<typeof fakeCatalog>>;
let orders: IcebergTestTable;

const integrationSql = (name: string, secret: string, catalogName = 'main') => `
  create or replace catalog integration ${name}
    catalog_source = iceberg_rest
    table_format = iceberg
    catalog_namespace = 'sales'
    rest_config = (
      catalog_uri = '${catalog.url}/api/2.1/unity-catalog/iceberg-rest'
      catalog_name = '${catalogName}'
      access_delegation_mode = vended_credentials
    )
    rest_authentication = (
      type = oauth
      oauth_token_uri = '${catalog.url}/oidc/v1/token'
      oauth_client_id = 'client-id'
      oauth_client_secret = '${secret}'
      oauth_allowed_scopes = ('all-apis')
    )
    enabled = true
    refresh_interval_seconds = 300
    comment = 'uc main.sales'`;

beforeAll(async () => {
  catalog = await fakeCatalog();
  h = await startHarness();
  orders = new IcebergTestTable(h.root, 's3://lake/uc/sales/orders', '2b1c4f5e-0000-4000-8000-000000000001', {
    type: 'struct',
    'schema-id': 0,
    fields: [
      { id: 1, name: 'order_id', required: true, type: 'long' },
      { id: 2, name: 'amount', required: false, type: 'decimal(10,2)' },
      { id: 3, name: 'region', required: false, type: 'string' },
    ],
  });
  await orders.append(
    `SELECT * FROM (VALUES (1::BIGINT, 10.50::DECIMAL(10,2), 'emea'), (2, 20.25, 'apac')) v(order_id, amount, region)`,
    2,
  );
  // Only ACCOUNTADMIN may create integrations out of the box; the mirror's role is given the right, as in
  // https://docs.snowflake.com/en/sql-reference/sql/create-catalog-integration-rest (access control requirements).
  await h.emulator.admin.execute('GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE SYSADMIN');
  c = await h.connect();
  await c.rows('create database mirror_db');
});
afterAll(async () => {
  await c.destroy();
  await h.close();
  await new Promise((resolve) => catalog.server.close(resolve));
});

const verify = async (name: string) => {
  const [row] = await c.rows(`select system$verify_catalog_integration('${name}') as result`);
  return JSON.parse(String(row?.RESULT)) as { success: boolean; errorCode?: string; errorMessage?: string };
};

describe('catalog integrations', () => {
  it('creates, shows and describes an integration with the secret masked', async () => {
    expect(await c.rows(integrationSql('uc_int', 'good-secret'))).toEqual([
      { status: 'Integration UC_INT successfully created.' },
    ]);
    const shown = await c.rows("show catalog integrations like 'uc%'");
    expect(shown.map((r) => [r.name, r.type, r.category, r.enabled, r.comment])).toEqual([
      ['UC_INT', 'CATALOG', 'CATALOG', true, 'uc main.sales'],
    ]);
    const described = await c.rows('describe catalog integration uc_int');
    const auth = described.find((r) => r.property === 'REST_AUTHENTICATION');
    expect(String(auth?.property_value)).toContain('OAUTH_CLIENT_SECRET=********');
    expect(JSON.stringify(described)).not.toContain('good-secret');
  });

  it('verifies an integration against the catalog (token + /v1/config)', async () => {
    catalog.requests.length = 0;
    expect(await verify('UC_INT')).toEqual({ success: true });
    expect(catalog.requests).toEqual([
      'POST /oidc/v1/token',
      'GET /api/2.1/unity-catalog/iceberg-rest/v1/config?warehouse=main',
    ]);
  });

  it('fails verification with a wrong secret or catalog name, and passes after ALTER', async () => {
    await c.rows(integrationSql('bad_int', 'wrong-secret'));
    const wrongSecret = await verify('BAD_INT');
    expect(wrongSecret.success).toBe(false);
    expect(wrongSecret.errorCode).toBe('004140');
    expect(wrongSecret.errorMessage).toMatch(
      /^SQL Execution Error: Failed to access the REST endpoint of catalog integration BAD_INT/,
    );
    await c.rows(integrationSql('nowh_int', 'good-secret', 'nope'));
    expect((await verify('NOWH_INT')).errorMessage).toContain('Unable to find warehouse nope');
    await c.rows("alter catalog integration bad_int set rest_authentication = (oauth_client_secret = 'good-secret')");
    expect(await verify('BAD_INT')).toEqual({ success: true });
    await c.rows('alter catalog integration bad_int set refresh_interval_seconds = 60');
    const described = await c.rows('describe catalog integration bad_int');
    expect(described.find((r) => r.property === 'REFRESH_INTERVAL_SECONDS')?.property_value).toBe('60');
  });

  // ALTER CATALOG INTEGRATION … SET takes REST_AUTHENTICATION (the secret or bearer token only),
  // REFRESH_INTERVAL_SECONDS (30 to 86400) and COMMENT; anything else needs CREATE OR REPLACE
  // (https://docs.snowflake.com/en/sql-reference/sql/alter-catalog-integration).
  it('alters only what Snowflake lets ALTER change', async () => {
    for (const sql of [
      'alter catalog integration bad_int set enabled = false',
      "alter catalog integration bad_int set rest_config = (catalog_uri = 'https://elsewhere')",
      "alter catalog integration bad_int set rest_authentication = (oauth_client_id = 'another-client')",
    ]) {
      const refused = await failureOf(c.execute(sql));
      expect([refused.code, refused.sqlState], sql).toEqual(['001003', '42000']);
      expect(refused.message, sql).toMatch(/invalid property '(ENABLED|REST_CONFIG|OAUTH_CLIENT_ID)'/);
    }
    for (const seconds of [29, 86401]) {
      const refused = await failureOf(
        c.execute(`alter catalog integration bad_int set refresh_interval_seconds = ${seconds}`),
      );
      expect(refused.code).toBe('002025');
      expect(refused.message).toContain('REFRESH_INTERVAL_SECONDS');
    }
    expect((await c.rows("show catalog integrations like 'BAD_INT'"))[0]?.enabled).toBe(true);
  });

  it('lists the remote tables', async () => {
    const [row] = await c.rows("select system$list_iceberg_tables_from_catalog('UC_INT') as t");
    expect(JSON.parse(String(row?.T))).toEqual([{ namespace: 'sales', name: 'orders' }]);
  });

  it('answers SYSTEM$VERIFY_CATALOG_INTEGRATION under an alias', async () => {
    const result = await c.execute(`SELECT SYSTEM$VERIFY_CATALOG_INTEGRATION('UC_INT') AS "RESULT"`);
    expect(result.columns.map((col) => col.name)).toEqual(['RESULT']);
    expect(JSON.parse(String(result.rows[0]?.RESULT))).toEqual({ success: true });
    const missing = await failureOf(c.execute(`SELECT SYSTEM$VERIFY_CATALOG_INTEGRATION('X') AS "RESULT"`));
    expect(missing.code).toBe('002003');
  });

  it('fails on a missing integration', async () => {
    expect((await failureOf(c.execute("select system$verify_catalog_integration('NOPE')"))).code).toBe('002003');
  });
});

describe('Iceberg tables', () => {
  it('creates a table from the remote catalog and serves its data', async () => {
    expect(
      await c.rows(
        `create iceberg table if not exists "orders" catalog = 'uc_int' catalog_namespace = 'sales' catalog_table_name = 'orders' auto_refresh = false comment = 'uc-table-id:1234'`,
      ),
    ).toEqual([{ status: 'Table "orders" successfully created.' }]);
    expect(await c.rows('select * from "orders" order by "order_id"')).toEqual([
      { order_id: 1, amount: 10.5, region: 'emea' },
      { order_id: 2, amount: 20.25, region: 'apac' },
    ]);
    expect((await c.rows('describe table "orders"')).map((r) => [r.name, r.type, r['null?']])).toEqual([
      ['order_id', 'NUMBER(19,0)', 'N'],
      ['amount', 'NUMBER(10,2)', 'Y'],
      ['region', 'VARCHAR(16777216)', 'Y'],
    ]);
  });

  it('creates a name once when CREATE … IF NOT EXISTS statements race (each builds its table before the lock)', async () => {
    const other = await h.connect();
    try {
      await other.rows('use schema mirror_db.public');
      const create = `create iceberg table if not exists "raced" catalog = 'uc_int' catalog_table_name = 'orders' comment = 'first'`;
      const answers = await Promise.all([c.rows(create), other.rows(create), c.rows(create)]);
      expect(answers.map(([row]) => row?.status).sort()).toEqual(
        [
          'Table "raced" successfully created.',
          '"raced" already exists, statement succeeded.',
          '"raced" already exists, statement succeeded.',
        ].sort(),
      );
      expect(await c.rows('select count(*) as n from "raced"')).toEqual([{ N: 2 }]);
    } finally {
      await c.rows('drop iceberg table if exists "raced"');
      await other.destroy();
    }
  });

  it('shows Iceberg tables with their catalog, namespace and comment', async () => {
    const shown = await c.rows("show iceberg tables like 'ord%' in schema mirror_db.public");
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({
      name: 'orders',
      database_name: 'MIRROR_DB',
      schema_name: 'PUBLIC',
      catalog_name: 'UC_INT',
      catalog_table_name: 'orders',
      catalog_namespace: 'sales',
      base_location: 's3://lake/uc/sales/orders',
      comment: 'uc-table-id:1234',
      iceberg_table_type: 'UNMANAGED',
    });
    expect((await c.rows('show tables')).find((t) => t.name === 'orders')?.is_iceberg).toBe('Y');
  });

  it('reads only the files the manifests name: a Parquet file merely lying in the folder is not data', async () => {
    await writeParquet(
      h.root,
      's3://lake/uc/sales/orders/data/stray.parquet',
      `SELECT 99::BIGINT AS order_id, 1.00::DECIMAL(10,2) AS amount, 'stray' AS region`,
    );
    await c.rows('alter iceberg table "orders" refresh');
    expect(await c.rows('select count(*) as n from "orders"')).toEqual([{ N: 2 }]);
  });

  it('sees a new snapshot on REFRESH, not before', async () => {
    await orders.append(`SELECT 3::BIGINT AS order_id, 5.00::DECIMAL(10,2) AS amount, 'amer' AS region`, 1);
    expect(await c.rows('select count(*) as n from "orders"')).toEqual([{ N: 2 }]);
    await c.rows('alter iceberg table "orders" refresh');
    expect(await c.rows('select count(*) as n, sum("amount") as total from "orders"')).toEqual([
      { N: 3, TOTAL: 35.75 },
    ]);
    const [shown] = await c.rows("show iceberg tables like 'orders'");
    expect(shown?.base_location).toBe('s3://lake/uc/sales/orders');
  });

  // Snowflake keeps a catalog integration's OAuth access token for its lifetime (expires_in) rather than asking
  // for one per table it loads (https://docs.snowflake.com/en/user-guide/tables-iceberg-configure-catalog-integration-rest
  // describes the client-credentials flow; the token is the grant's, valid for expires_in seconds), and asks
  // again when the catalog refuses it.
  it('reuses the OAuth token and catalog config from statement to statement, and asks anew when refused', async () => {
    catalog.requests.length = 0;
    await c.rows('alter iceberg table "orders" refresh');
    await c.rows('alter iceberg table "orders" refresh');
    const load = 'GET /api/2.1/unity-catalog/iceberg-rest/v1/catalogs/main/namespaces/sales/tables/orders';
    expect(catalog.requests).toEqual([load, load]);

    catalog.auth.token = 'token-2'; // token-1 revoked (or expired early)
    catalog.requests.length = 0;
    await c.rows('alter iceberg table "orders" refresh');
    expect(catalog.requests).toEqual([load, 'POST /oidc/v1/token', load]);
    expect(await c.rows('select count(*) as n from "orders"')).toEqual([{ N: 3 }]);

    // Verification always authenticates afresh: it is how a user checks the credentials as they are now.
    catalog.requests.length = 0;
    expect(await verify('uc_int')).toEqual({ success: true });
    expect(catalog.requests[0]).toBe('POST /oidc/v1/token');
  });

  // A manifest naming a data file that is gone: Snowflake's read fails with its "Remote file ...
  // was not found" message (worded as in https://docs.snowflake.com/en/user-guide/data-load-snowpipe-ts
  // and https://docs.snowflake.com/en/sql-reference/functions/to_file; Iceberg readers fail the same
  // way, e.g. apache/iceberg#7007 "FileNotFoundException"). The table keeps its rows.
  it('fails REFRESH when a manifest lists a missing data file, and keeps the rows it had', async () => {
    const url = await orders.append(`SELECT 4::BIGINT AS order_id, 1.00::DECIMAL(10,2) AS amount, 'apac' AS region`, 1);
    await unlink(orders.pathOf(url));
    const err = await failureOf(c.execute('alter iceberg table "orders" refresh'));
    expect(err.message).toBe(
      `Remote file '${url}' was not found. There are several potential causes. The file might not exist. The required credentials may be missing or invalid. If you are running a copy command, please make sure files are not deleted when they are being loaded or files are not being loaded into two different tables concurrently with auto purge option.`,
    );
    expect(err.sqlState).toBe('22000');
    expect(await c.rows('select count(*) as n from "orders"')).toEqual([{ N: 3 }]);
    // Put a file back at that path and the same snapshot reads.
    await writeParquet(h.root, url, `SELECT 4::BIGINT AS order_id, 1.00::DECIMAL(10,2) AS amount, 'apac' AS region`);
    await c.rows('alter iceberg table "orders" refresh');
    expect(await c.rows('select count(*) as n from "orders"')).toEqual([{ N: 4 }]);
  });

  it('fails REFRESH on a manifest without a required field (data_file.record_count, field id 103)', async () => {
    orders.breakNext = 'drop-record-count';
    await orders.append(`SELECT 5::BIGINT AS order_id, 1.00::DECIMAL(10,2) AS amount, 'emea' AS region`, 1);
    const err = await failureOf(c.execute('alter iceberg table "orders" refresh'));
    expect(err.message).toMatch(
      /^SQL execution error: Failed to read Iceberg metadata file 's3:\/\/lake\/uc\/sales\/orders\/metadata\/.+-m0\.avro': manifest .+ required field 103 \(recordCount\) is missing$/,
    );
    expect(await c.rows('select count(*) as n from "orders"')).toEqual([{ N: 4 }]);
  });

  it('fails REFRESH when the manifest list is gone or is not Avro', async () => {
    const snapshot = orders.metadata!.snapshots.at(-1);
    await writeFile(orders.pathOf(snapshot['manifest-list']), 'not avro');
    const garbled = await failureOf(c.execute('alter iceberg table "orders" refresh'));
    expect(garbled.message).toContain(
      `Failed to read Iceberg metadata file '${snapshot['manifest-list']}': not a readable Avro file`,
    );
    await unlink(orders.pathOf(snapshot['manifest-list']));
    const gone = await failureOf(c.execute('alter iceberg table "orders" refresh'));
    expect(gone.message).toMatch(
      /^Remote file 's3:\/\/lake\/uc\/sales\/orders\/metadata\/snap-.+\.avro' was not found\./,
    );
    expect(await c.rows('select count(*) as n from "orders"')).toEqual([{ N: 4 }]);
  });

  it('fails like Snowflake when the remote table does not exist', async () => {
    const err = await failureOf(
      c.execute("create iceberg table missing catalog = 'uc_int' catalog_table_name = 'nope'"),
    );
    expect(err.message).toContain('NoSuchTableException');
    expect(err.message).toContain('catalog integration UC_INT');
    expect(
      (await failureOf(c.execute("create iceberg table x catalog = 'no_int' catalog_table_name = 'orders'"))).code,
    ).toBe('002003');
  });

  it("has no ALTER ICEBERG TABLE ... RENAME TO (not in Snowflake's documented syntax)", async () => {
    const err = await failureOf(c.execute('alter iceberg table "orders" rename to "orders_v2"'));
    expect([err.code, err.sqlState]).toEqual(['000002', '0A000']);
    expect(await c.rows('select count(*) as n from "orders"')).toEqual([{ N: 4 }]);
    expect((await failureOf(c.execute('select * from "orders_v2"'))).code).toBe('002003');
  });

  // "You can't drop or replace a catalog integration if one or more Apache Iceberg tables are associated with the
  // catalog integration" (https://docs.snowflake.com/en/sql-reference/sql/drop-catalog-integration, usage notes).
  it('refuses to drop or replace an integration while an Iceberg table uses it', async () => {
    const dropped = await failureOf(c.execute('drop catalog integration uc_int'));
    expect(dropped.message).toMatch(/Cannot drop catalog integration UC_INT: 1 Iceberg table\(s\) are associated/);
    const replaced = await failureOf(c.execute(integrationSql('uc_int', 'good-secret')));
    expect(replaced.message).toMatch(/Cannot replace catalog integration UC_INT/);
    expect(await verify('UC_INT')).toEqual({ success: true });
    expect(await c.rows('select count(*) as n from "orders"')).toEqual([{ N: 4 }]);
  });

  it('drops Iceberg tables and integrations', async () => {
    expect(await c.rows('drop iceberg table "orders"')).toEqual([{ status: '"orders" successfully dropped.' }]);
    expect((await failureOf(c.execute('select * from "orders"'))).code).toBe('002003');
    expect(await c.rows('drop iceberg table if exists "orders"')).toEqual([
      { status: 'Drop statement executed successfully ("orders" already dropped).' },
    ]);
    expect(await c.rows('drop catalog integration uc_int')).toEqual([{ status: 'UC_INT successfully dropped.' }]);
    expect(await c.rows("show catalog integrations like 'UC_INT'")).toEqual([]);
  });
});
