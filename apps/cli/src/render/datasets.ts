import type { Dataset, DatasetParameterDeclaration } from '../api-types.js';
import { renderTable } from './table.js';

/** `forecast_date:date=2024-06-01`, `region:string!` (required), `days:integer`. */
export function describeParameter(name: string, declaration: DatasetParameterDeclaration): string {
  const type = declaration.type ?? 'string';
  const required = declaration.required ? '!' : '';
  const fallback = declaration.default === undefined ? '' : `=${String(declaration.default)}`;
  const choices = declaration.enum ? ` (${declaration.enum.join('|')})` : '';
  return `${name}:${type}${required}${fallback}${choices}`;
}

/** `d2s datasets ls`. */
export function renderDatasetTable(datasets: readonly Dataset[]): string {
  return renderTable(
    [
      { header: 'name', value: (d) => d.name },
      { header: 'load', value: (d) => d.loadMode },
      { header: 'target', value: (d) => d.target },
      {
        header: 'parameters',
        value: (d) =>
          Object.entries(d.parameters ?? {})
            .map(([name, p]) => describeParameter(name, p))
            .join(', '),
        maxWidth: 70,
      },
      { header: 'description', value: (d) => d.description ?? '', maxWidth: 50 },
    ],
    datasets,
  );
}
