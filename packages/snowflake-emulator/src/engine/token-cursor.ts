import { sqlErrors } from '../errors.js';
import { sourcePosition } from './source-position.js';
import { isTrivia, type Token } from './sql-lexer.js';

/** An identifier as written: its Snowflake name (upper-cased unless quoted). */
export function identifierName(t: Token): string {
  return t.kind === 'quoted' ? t.value : t.text.toUpperCase();
}

export function isIdentifierToken(t: Token | undefined): t is Token {
  return t !== undefined && (t.kind === 'word' || t.kind === 'quoted');
}

/** A value in a Snowflake option list (`KEY = value`). */
export type OptionValue =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: string }
  | { kind: 'word'; value: string } // upper-cased keyword or identifier
  | { kind: 'group'; options: OptionMap }
  | { kind: 'list'; values: OptionValue[] };

export type OptionMap = Map<string, OptionValue>;

/**
 * Walks the significant tokens of one statement. Parsers for the statements
 * the emulator interprets itself (DDL, COPY, SHOW, ...) are written against it.
 */
export class TokenCursor {
  private readonly tokens: Token[];
  index = 0;

  /** `sql` is the statement's text, for the line and position of syntax errors. */
  constructor(
    all: readonly Token[],
    private readonly sql = '',
  ) {
    this.tokens = all.filter((t) => !isTrivia(t));
  }

  get done(): boolean {
    return this.index >= this.tokens.length;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }

  next(): Token {
    const t = this.tokens[this.index];
    if (!t) return this.fail(undefined);
    this.index++;
    return t;
  }

  /** The remaining tokens (significant only). */
  rest(): Token[] {
    return this.tokens.slice(this.index);
  }

  endPosition(): number {
    const last = this.tokens[this.tokens.length - 1];
    return last ? last.pos + last.text.length : 0;
  }

  isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'word' && t.upper === word;
  }

  isOp(op: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'op' && t.text === op;
  }

  /** Consumes the given keywords if they all follow; returns whether they did. */
  acceptWords(...words: string[]): boolean {
    for (let i = 0; i < words.length; i++) if (!this.isWord(words[i] as string, i)) return false;
    this.index += words.length;
    return true;
  }

  expectWords(...words: string[]): void {
    for (const w of words) {
      const t = this.peek();
      if (t?.kind !== 'word' || t.upper !== w) this.fail(t);
      this.index++;
    }
  }

  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.index++;
    return true;
  }

  expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(this.peek());
  }

  expectEnd(): void {
    if (!this.done) this.fail(this.peek());
  }

  fail(t: Token | undefined): never {
    const at = (offset: number) => sourcePosition(this.sql, offset);
    if (!t) {
      const end = at(this.endPosition());
      throw sqlErrors.unexpected('<EOF>', end.position, end.line);
    }
    const { line, position } = at(t.pos);
    throw sqlErrors.unexpected(t.text, position, line);
  }

  identifier(): string {
    const t = this.next();
    if (!isIdentifierToken(t)) this.fail(t);
    return identifierName(t);
  }

  /** A dotted object name: 1 to 3 identifiers, as Snowflake names. */
  objectName(): string[] {
    const parts = [this.identifier()];
    while (this.isOp('.') && parts.length < 3) {
      this.index++;
      parts.push(this.identifier());
    }
    return parts;
  }

  string(): string {
    const t = this.next();
    if (t.kind !== 'string') this.fail(t);
    return t.value;
  }

  /** `IF NOT EXISTS` / `IF EXISTS` helpers. */
  acceptIfNotExists(): boolean {
    return this.acceptWords('IF', 'NOT', 'EXISTS');
  }

  acceptIfExists(): boolean {
    return this.acceptWords('IF', 'EXISTS');
  }

  /** One option value: a literal, a keyword, a parenthesised option group or value list. */
  optionValue(): OptionValue {
    const t = this.next();
    if (t.kind === 'string') return { kind: 'string', value: t.value };
    if (t.kind === 'number') return { kind: 'number', value: t.text };
    if (t.kind === 'op' && t.text === '-' && this.peek()?.kind === 'number')
      return { kind: 'number', value: `-${this.next().text}` };
    if (t.kind === 'word' || t.kind === 'quoted') return { kind: 'word', value: identifierName(t) };
    if (t.kind === 'op' && t.text === '(') {
      // `( KEY = value ... )` or `( 'a', 'b' )` or `()`
      if (this.acceptOp(')')) return { kind: 'list', values: [] };
      if (isIdentifierToken(this.peek()) && this.isOp('=', 1)) {
        const options = this.optionList(')');
        this.expectOp(')');
        return { kind: 'group', options };
      }
      const values: OptionValue[] = [];
      do values.push(this.optionValue());
      while (this.acceptOp(','));
      this.expectOp(')');
      return { kind: 'list', values };
    }
    this.fail(t);
  }

  /**
   * `KEY = value [,] KEY = value ...` until a token that does not start an
   * option (or `stop`). Keys are upper-cased; commas between options are optional.
   */
  optionList(stop?: string): OptionMap {
    const options: OptionMap = new Map();
    while (!this.done) {
      if (stop && this.isOp(stop)) break;
      const key = this.peek();
      if (key?.kind !== 'word' || !this.isOp('=', 1)) break;
      this.index += 2;
      options.set(key.upper, this.optionValue());
      this.acceptOp(',');
    }
    return options;
  }
}

export function optionText(value: OptionValue | undefined): string | undefined {
  if (!value) return undefined;
  if (value.kind === 'string' || value.kind === 'number' || value.kind === 'word') return value.value;
  return undefined;
}

export function optionBool(value: OptionValue | undefined): boolean | undefined {
  const text = optionText(value)?.toUpperCase();
  if (text === undefined) return undefined;
  if (text === 'TRUE') return true;
  if (text === 'FALSE') return false;
  throw sqlErrors.invalidValue(`invalid value [${text}] for parameter, expected TRUE or FALSE`);
}

export function optionGroup(value: OptionValue | undefined): OptionMap | undefined {
  return value?.kind === 'group' ? value.options : undefined;
}

export function optionStrings(value: OptionValue | undefined): string[] {
  if (!value) return [];
  if (value.kind === 'list') return value.values.map((v) => optionText(v) ?? '');
  const text = optionText(value);
  return text === undefined ? [] : [text];
}
