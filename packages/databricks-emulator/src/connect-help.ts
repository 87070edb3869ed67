import type { DatabricksFixture } from './fixture-types.js';

/** Lines telling a user how to point a Databricks client at a running emulator (its fixture's credentials). */
export function databricksConnectHelp(dbx: { url: string; fixture: DatabricksFixture }): string[] {
  const pat = dbx.fixture.auth.personal_access_tokens[0]?.token;
  const client = dbx.fixture.auth.oauth_clients[0];
  const exportJob = dbx.fixture.jobs.find((j) => j.export);
  return [
    `DATABRICKS_HOST=${dbx.url}`,
    ...(pat ? [`DATABRICKS_TOKEN=${pat}`] : []),
    ...(client ? [`DATABRICKS_CLIENT_ID=${client.client_id}`, `DATABRICKS_CLIENT_SECRET=${client.client_secret}`] : []),
    ...(exportJob
      ? [
          `export job: ${exportJob.job_id} (${exportJob.name}), parameter ${exportJob.export?.output_parameter ?? 'output_path'}=s3://...`,
        ]
      : []),
    `Iceberg REST catalog: ${dbx.url}/api/2.1/unity-catalog/iceberg-rest (OAuth token: ${dbx.url}/oidc/v1/token)`,
    `admin: ${dbx.url}/__emulator/health`,
  ];
}
