// A sync's schema changes (schema.evolution): what was done to the target's
// columns before the load, one line per change, worded as the CLI words them.

import { h } from './dom.js';

/** One change as a sentence: `added column "discount" FLOAT`, `widened "name" from VARCHAR(20) to …`. */
export function describeSchemaChange(change) {
  const column = `"${String(change.column)}"`;
  switch (change.kind) {
    case 'add-column':
      return `added column ${column} ${change.to ?? ''}`.trimEnd();
    case 'widen':
      return `widened ${column} from ${change.from ?? '?'} to ${change.to ?? '?'}`;
    case 'retype':
      return `retyped ${column} from ${change.from ?? '?'} to ${change.to ?? '?'}`;
    case 'drop-column':
      return `dropped column ${column} ${change.from ?? ''}`.trimEnd();
    default:
      return `${String(change.kind)} ${column}`;
  }
}

/** The list shown under a finished sync; null when the dataset has no schema.evolution. */
export function schemaChangeList(changes) {
  if (!Array.isArray(changes)) return null;
  return h(
    'div',
    { class: 'schema-changes' },
    h('strong', {}, 'Schema changes'),
    changes.length === 0
      ? h('p', { class: 'small' }, 'None: the run’s columns fitted the table.')
      : h(
          'ul',
          { class: 'mono small' },
          changes.map((change) => h('li', {}, describeSchemaChange(change))),
        ),
  );
}
