// A small flag parser for component commands: `--name value`, `--name=value`, booleans, repeatable flags.

/** How one flag is parsed. */
export interface FlagSpec {
  /** `list`: repeatable and comma separated; `repeated`: repeatable, each value kept whole (`--kubelet-arg a=b,c`). */
  readonly type: 'string' | 'number' | 'boolean' | 'list' | 'repeated';
  readonly help: string;
  /** Default shown in usage. */
  readonly default?: string;
}

/** Parsed flags: strings, numbers, booleans, or string arrays for `list` flags (repeatable and/or comma separated). */
export type Flags = Record<string, string | number | boolean | string[] | undefined>;

/** Thrown for unknown flags, missing values and bad numbers; the message is the one-line reason. */
export class FlagError extends Error {}

/** Parses `args` against `specs`; positional arguments are returned separately. */
export function parseFlags(args: readonly string[], specs: Readonly<Record<string, FlagSpec>>): { flags: Flags; positional: string[] } {
  const flags: Flags = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const spec = specs[name];
    if (!spec) throw new FlagError(`unknown flag: --${name}`);
    let value: string | undefined = eq > 0 ? a.slice(eq + 1) : undefined;
    if (spec.type === 'boolean') {
      flags[name] = value === undefined ? true : value === 'true' || value === '1';
      continue;
    }
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new FlagError(`flag needs an argument: --${name}`);
    }
    if (spec.type === 'number') {
      const n = Number(value);
      if (!Number.isInteger(n)) throw new FlagError(`invalid argument "${value}" for "--${name}" flag: not an integer`);
      flags[name] = n;
    } else if (spec.type === 'repeated') {
      flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    } else if (spec.type === 'list') {
      const prev = (flags[name] as string[] | undefined) ?? [];
      flags[name] = [...prev, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
    } else flags[name] = value;
  }
  return { flags, positional };
}

/** Usage text of a flag table. */
export function flagUsage(specs: Readonly<Record<string, FlagSpec>>): string {
  return Object.entries(specs)
    .map(([n, s]) => `  --${n}${s.type === 'boolean' ? '' : ' ' + (s.type === 'repeated' ? 'STRING' : s.type.toUpperCase())}\n      ${s.help}${s.default !== undefined ? ` (default ${s.default})` : ''}`)
    .join('\n');
}
