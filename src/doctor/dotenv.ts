const line = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;
const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t' };

/**
 * The variables of a `.env` file: `KEY=VALUE` lines, `export KEY=…`, `#` comments (a whole line,
 * or after a space in an unquoted value), single-quoted values taken as written, double-quoted
 * and backquoted ones over several lines if need be, with `\n`, `\r`, `\t`, `\"`, `\\` in double
 * quotes. Lines that are none of these are skipped.
 */
export function parseDotenv(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const match = line.exec(lines[index]!);
    if (!match) continue;
    const [, name, rest] = match as unknown as [string, string, string];
    const quote = rest[0];
    if (quote !== '"' && quote !== "'" && quote !== '`') {
      variables[name] = rest.replace(/(^|\s+)#.*$/, '').trim();
      continue;
    }
    // A quoted value ends at the next unescaped quote, on this line or a later one.
    let value = rest.slice(1);
    let end = closingQuote(value, quote);
    while (end === -1 && index + 1 < lines.length) {
      index += 1;
      value += `\n${lines[index]}`;
      end = closingQuote(value, quote);
    }
    value = end === -1 ? value : value.slice(0, end);
    variables[name] = quote === '"' ? value.replace(/\\(.)/g, (_all, char: string) => escapes[char] ?? char) : value;
  }
  return variables;
}

function closingQuote(value: string, quote: string): number {
  for (let index = 0; index < value.length; index += 1) {
    if (value[index] === '\\' && quote === '"') index += 1;
    else if (value[index] === quote) return index;
  }
  return -1;
}
