/**
 * VARIANT / OBJECT / ARRAY values as Snowflake writes them into a JSON row
 * set: pretty-printed with two-space indentation (`{\n  "a": 1\n}`), empty
 * containers as `{}` / `[]`. The snowflake-sdk's own integration tests expect
 * exactly this text for `parse_json('{"a": 1}')` fetched with
 * `fetchAsString: ['JSON']`.
 *
 * Works on the JSON text itself rather than parsing it, so numbers keep
 * their digits (a JS parse would round 12345678901234567890 and 1.50).
 */
export function indentJson(text: string): string {
  // Scalars print as they are; only containers are laid out (and text that is no JSON container is left alone).
  const first = text[nextSignificant(text, 0)];
  if (first !== '{' && first !== '[') return text;
  let out = '';
  let depth = 0;
  let inString = false;
  const newline = () => `\n${'  '.repeat(depth)}`;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r') continue;
    if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      const next = nextSignificant(text, i + 1);
      if (text[next] === close) {
        out += ch + close;
        i = next;
        continue;
      }
      depth++;
      out += ch + newline();
    } else if (ch === '}' || ch === ']') {
      depth--;
      out += newline() + ch;
    } else if (ch === ',') out += `,${newline()}`;
    else if (ch === ':') out += ': ';
    else out += ch;
  }
  return out;
}

function nextSignificant(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i] as string)) i++;
  return i;
}
