import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../secret.js';
import { SqlStatement, secretLiteral } from './sql-statement.js';

describe('SqlStatement', () => {
  const statement = SqlStatement.of(['SET X = ', secretLiteral(new Secret("s3cr'et")), ' -- end']);

  it('executes with the secret and renders masked everywhere else', () => {
    expect(statement.text()).toBe("SET X = 's3cr''et' -- end");
    expect(statement.masked).toBe("SET X = '[redacted]' -- end");
    expect(String(statement)).toBe(statement.masked);
    expect(`${statement}`).toBe(statement.masked);
    expect(JSON.stringify({ statement })).toBe(JSON.stringify({ statement: statement.masked }));
    expect(inspect(statement)).not.toContain('s3cr');
    expect(statement.hasSecrets).toBe(true);
  });

  it('redacts the secret from messages that echo it', () => {
    expect(statement.redact("syntax error near 's3cr'et'")).toBe("syntax error near '[redacted]'");
  });

  it('plain statements are the same both ways', () => {
    const plain = SqlStatement.plain('SELECT 1');
    expect(plain.text()).toBe('SELECT 1');
    expect(plain.masked).toBe('SELECT 1');
    expect(plain.hasSecrets).toBe(false);
  });
});
