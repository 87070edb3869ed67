import type { ColumnFixture, DatabricksFixture } from '../src/fixture-types.js';

const columns: ColumnFixture[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'label', type: 'STRING' },
];

export const OWNER_PAT = 'dapi-owner-token';
export const ANALYST_PAT = 'dapi-analyst-test-token';
export const OUTSIDER_PAT = 'dapi-outsider-token';
export const PIPELINE_CLIENT = { id: 'pipeline-client', secret: 'pipeline-secret' };

/**
 * A metastore with grants: owner@ (metastore admin, owns everything), the `pipeline-client` service principal
 * (reads everything in `lake`, EXTERNAL USE SCHEMA on `lake.curated` only), analyst@ (USE CATALOG + BROWSE on
 * `lake`, USE SCHEMA on `lake.curated`, SELECT on `lake.curated.visible`), outsider@ (nothing).
 */
export function permissionsFixture(): DatabricksFixture {
  return {
    workspace: { workspace_id: 7, user_name: 'owner@example.com' },
    auth: {
      personal_access_tokens: [
        { token: OWNER_PAT, user_name: 'owner@example.com' },
        { token: ANALYST_PAT, user_name: 'analyst@example.com' },
        { token: OUTSIDER_PAT, user_name: 'outsider@example.com' },
      ],
      oauth_clients: [{ client_id: PIPELINE_CLIENT.id, client_secret: PIPELINE_CLIENT.secret }],
    },
    settings: { list_page_size_cap: 10, list_default_page_size: 10, empty_page_every: 0 },
    jobs: [],
    catalogs: [
      {
        name: 'lake',
        grants: [
          { principal: 'pipeline-client', privileges: ['USE CATALOG', 'USE SCHEMA', 'SELECT', 'APPLY TAG'] },
          { principal: 'analyst@example.com', privileges: ['USE_CATALOG', 'BROWSE'] },
        ],
        schemas: [
          {
            name: 'curated',
            grants: [
              { principal: 'analyst@example.com', privileges: ['USE SCHEMA'] },
              { principal: 'pipeline-client', privileges: ['EXTERNAL USE SCHEMA'] },
            ],
            tables: [
              {
                name: 'visible',
                format: 'uniform',
                rows: 2,
                columns,
                grants: [{ principal: 'analyst@example.com', privileges: ['SELECT'] }],
              },
              { name: 'hidden', format: 'iceberg', rows: 2, columns, tags: { team: 'core' } },
            ],
          },
          { name: 'raw', tables: [{ name: 'events', format: 'uniform', rows: 2, columns }] },
        ],
      },
      { name: 'private', schemas: [{ name: 'default' }] },
    ],
  };
}
