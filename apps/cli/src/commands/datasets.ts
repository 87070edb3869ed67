import { EXIT } from '../errors.js';
import { renderDatasetTable } from '../render/datasets.js';
import type { Command } from './command.js';

const ls: Command = {
  path: ['datasets', 'ls'],
  usage: 'd2s datasets ls',
  summary: 'List the datasets the API can sync, with their parameters',
  description: 'Parameters read name:type[!][=default][ (choices)]; ! marks a required one.',
  options: [],
  positionals: { min: 0, max: 0, names: '' },
  async run(args, ctx) {
    const datasets = await ctx.api.listDatasets();
    if (args.boolean('json')) ctx.out.json({ items: datasets });
    else if (datasets.length === 0) ctx.out.note('No datasets configured.');
    else ctx.out.print(renderDatasetTable(datasets));
    return EXIT.ok;
  },
};

export const datasetsCommands: readonly Command[] = [ls];
