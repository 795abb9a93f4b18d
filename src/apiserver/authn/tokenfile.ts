// Static bearer tokens from `--token-auth-file`: CSV lines `token,user,uid,"group1,group2"`, as upstream's tokenfile.
import { readFileSync } from 'node:fs';
import type { UserInfo } from '../authn.js';
import type { TokenAuthenticator } from './bearer.js';

/** A CSV syntax error, worded as Go's encoding/csv ParseError (which upstream's tokenfile returns as is). */
export class CsvParseError extends Error {
  constructor(
    readonly startLine: number,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(
      startLine !== line
        ? `record on line ${startLine}; parse error on line ${line}, column ${column}: ${reason}`
        : `parse error on line ${line}, column ${column}: ${reason}`,
    );
    this.name = 'CsvParseError';
  }
}

const ERR_BARE_QUOTE = 'bare " in non-quoted field';
const ERR_QUOTE = 'extraneous or missing " in quoted-field';

/** One CSV record and the (1-based) line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * Parses CSV as Go's encoding/csv with its defaults (comma separator, no comments, variable field counts, no
 * lazy quotes, leading spaces kept): `\r\n` ends a line like `\n`, empty lines are skipped, quoted fields may
 * hold commas, doubled quotes and newlines. Throws {@link CsvParseError} on a bare `"` in an unquoted field or a
 * malformed quoted field.
 */
export function parseCsv(text: string): CsvRecord[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  // A trailing newline leaves one empty last element that is not a line of its own.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const records: CsvRecord[] = [];
  let n = 0;
  while (n < lines.length) {
    const startLine = n + 1;
    let line = lines[n++]!;
    if (line === '') continue;
    let lineNo = startLine;
    const fields: string[] = [];
    let pos = 0;
    for (;;) {
      if (line[pos] !== '"') {
        // Unquoted field, up to the next comma or the end of the line.
        const comma = line.indexOf(',', pos);
        const end = comma < 0 ? line.length : comma;
        const f = line.slice(pos, end);
        const q = f.indexOf('"');
        if (q >= 0) throw new CsvParseError(startLine, lineNo, pos + q + 1, ERR_BARE_QUOTE);
        fields.push(f);
        if (comma < 0) break;
        pos = comma + 1;
        continue;
      }
      // Quoted field: may continue over following lines.
      let f = '';
      pos++;
      for (;;) {
        const q = line.indexOf('"', pos);
        if (q >= 0) {
          f += line.slice(pos, q);
          pos = q + 1;
          const next = line[pos];
          if (next === '"') {
            f += '"';
            pos++;
            continue;
          }
          if (next === ',' || next === undefined) break;
          throw new CsvParseError(startLine, lineNo, pos + 1, ERR_QUOTE);
        }
        f += line.slice(pos) + '\n';
        if (n >= lines.length) throw new CsvParseError(startLine, lineNo, line.length + 1, ERR_QUOTE);
        line = lines[n++]!;
        lineNo = n;
        pos = 0;
      }
      fields.push(f);
      if (line[pos] === ',') {
        pos++;
        continue;
      }
      break;
    }
    records.push({ fields, line: startLine });
  }
  return records;
}

/**
 * Parses the contents of a token file into a map from token to user. Each record is `token,user,uid` with an
 * optional fourth column of comma-separated groups (quote it: `"group1,group2"`); further columns are ignored.
 * Records with an empty token are skipped; a repeated token keeps the last record, as upstream. Throws an Error
 * for CSV syntax errors (naming line and column) and for records with fewer than three columns (naming the line).
 * `path` is only used in messages.
 */
export function parseTokenFile(text: string, path = ''): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  for (const rec of parseCsv(text)) {
    const f = rec.fields;
    if (f.length < 3) {
      throw new Error(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${f.length} (line ${rec.line})`);
    }
    const [token, name, uid] = f as [string, string, string];
    if (token === '') continue;
    // Upstream splits the column as is; empty group names (e.g. from an empty column) carry no meaning and are dropped.
    const groups = f.length >= 4 ? f[3]!.split(',').filter((g) => g !== '') : [];
    tokens.set(token, uid ? { name, uid, groups } : { name, groups });
  }
  return tokens;
}

/** Static tokens: a token is either in the table (its user) or unknown (undefined, never an error). */
export class StaticTokenAuthenticator implements TokenAuthenticator {
  constructor(private readonly tokens: ReadonlyMap<string, UserInfo>) {}

  /** The number of tokens known. */
  get size(): number {
    return this.tokens.size;
  }

  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    return this.tokens.get(token);
  }
}

/**
 * Reads and parses `--token-auth-file` (see {@link parseTokenFile}). Throws on an unreadable file or a malformed
 * record: the apiserver should refuse to start, as upstream.
 */
export function loadTokenFile(path: string): StaticTokenAuthenticator {
  return new StaticTokenAuthenticator(parseTokenFile(readFileSync(path, 'utf8'), path));
}
