import { EXIT } from '../errors.js';
import { UsageError } from '../errors.js';
import type { Command } from './command.js';

const webhook: Command = {
  path: ['setup', 'webhook'],
  usage: 'd2s setup webhook --url <https://…/v1/hooks/databricks>',
  summary: 'Create the Databricks webhook destination and attach it to every dataset’s job (idempotent)',
  description:
    'The URL is where Databricks reaches this API’s hook. The destination sends the credentials of databricks.webhook ' +
    '(D2S_DATABRICKS_WEBHOOK_PASSWORD on the API); each job gets it under on_success and on_failure, keeping its other ' +
    'destinations. Needs a token with the admin scope.',
  options: [{ name: 'url', type: 'string', value: 'url', description: 'Where Databricks reaches the API’s hook' }],
  positionals: { min: 0, max: 0, names: '' },
  async run(args, ctx) {
    const url = args.string('url');
    if (!url)
      throw new UsageError(
        '--url is required: where Databricks reaches the API’s hook, e.g. https://d2s.example.com/v1/hooks/databricks.',
      );
    const result = await ctx.api.setUpDatabricksWebhook(url);
    if (args.boolean('json')) {
      ctx.out.json(result);
      return EXIT.ok;
    }
    ctx.out.print(
      `${result.destinationCreated ? 'Created' : 'Found'} notification destination ${result.destinationId} → ${url}`,
      ...result.jobs.map(
        (job) =>
          `  job ${job.jobId}: ${job.attached === 'now' ? 'attached (on_success, on_failure)' : 'already attached'}`,
      ),
    );
    return EXIT.ok;
  },
};

export const setupCommands: readonly Command[] = [webhook];
