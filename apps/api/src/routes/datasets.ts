import type { D2sConfig } from '@d2s/shared';
import type { FastifyInstance } from 'fastify';

/** What a client may know of a dataset: its name, what it loads into and the parameters it accepts. */
export async function datasetRoutes(
  app: FastifyInstance,
  deps: { config: Pick<D2sConfig, 'datasets'> },
): Promise<void> {
  app.get('/v1/datasets', { config: { scope: 'read' } }, async () => ({
    items: Object.entries(deps.config.datasets).map(([name, dataset]) => ({
      name,
      description: dataset.description,
      loadMode: dataset.load.mode,
      target: [dataset.snowflake.table.database, dataset.snowflake.table.schema, dataset.snowflake.table.name].join(
        '.',
      ),
      singleActive: dataset.singleActive,
      onBusy: dataset.onBusy,
      parameters: dataset.parameters,
    })),
  }));
}
