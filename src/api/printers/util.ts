// Shared helpers for the server-side table printers: column builders, durations, label/selector/quantity formatting.

import { parseQuantity, selectorFromLabelSelector, type MetaLabelSelector } from '../../apimachinery/index.js';

/** One column of a meta.k8s.io/v1 Table (metav1.TableColumnDefinition). */
export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** Column definitions plus the function computing one row's cells (all columns, wide ones included). */
export interface TablePrinter {
  columns: TableColumnDefinition[];
  row(obj: any, now: Date): unknown[];
}

/** metav1.ObjectMeta swagger doc of `name`, the description upstream gives every Name column. */
export const NAME_DOC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

/** metav1.ObjectMeta swagger doc of `creationTimestamp`, the description upstream gives every Age column. */
export const CREATION_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const CONTAINERS_DOC = 'Names of each container in the template.';
export const IMAGES_DOC = 'Images referenced by each container in the template.';

/** A column definition; `priority` 1 marks a wide-only column. */
export function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

/** The standard `Name` column (format `name`). */
export const nameCol = (): TableColumnDefinition => col('Name', 'string', NAME_DOC, 0, 'name');
/** The standard `Age` column. */
export const ageCol = (): TableColumnDefinition => col('Age', 'string', CREATION_DOC);

/**
 * Upstream duration.HumanDuration for a duration in milliseconds: ~2-3 significant figures
 * (`5s`, `119s`, `2m5s`, `10m`, `3h`, `7h59m`, `47h`, `2d3h`, `45d`, `2y30d`, `9y`); `<invalid>` below -1s.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Parses a metav1.Time / MicroTime string; undefined for absent, unparsable or Go's zero time. */
export function parseTime(ts: unknown): Date | undefined {
  if (typeof ts !== 'string' || ts === '') return undefined;
  const d = new Date(ts);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() <= 1) return undefined;
  return d;
}

/** Upstream translateTimestampSince: `<unknown>` for a zero/absent time, else the human duration since it. */
export function since(ts: unknown, now: Date): string {
  const t = parseTime(ts);
  return t === undefined ? '<unknown>' : humanDuration(now.getTime() - t.getTime());
}

/** Age cell of an object (its metadata.creationTimestamp). */
export function age(obj: any, now: Date): string {
  return since(obj?.metadata?.creationTimestamp, now);
}

/** metadata.name, or ''. */
export function nameOf(obj: any): string {
  return str(obj?.metadata?.name);
}

/** The value when it is a string, else ''. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The value when it is a finite number, else `dflt` (0). */
export function num(v: unknown, dflt = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

/** The value when it is an array, else []. */
export function arr(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

/** Number of keys of a plain object, else 0. */
export function keyCount(v: unknown): number {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).length : 0;
}

/** Sorted byte-wise like Go's sort.Strings. */
export function goSort(xs: Iterable<string>): string[] {
  return [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Upstream layoutContainerCells: container names and images, each comma-joined. */
export function containerCells(containers: unknown): [string, string] {
  const cs = arr(containers);
  return [cs.map((c) => str(c?.name)).join(','), cs.map((c) => str(c?.image)).join(',')];
}

/** labels.FormatLabels: `k=v` sorted by key and comma-joined, or `<none>` when empty. */
export function formatLabels(m: unknown): string {
  if (m === null || typeof m !== 'object') return '<none>';
  const rec = m as Record<string, unknown>;
  const s = goSort(Object.keys(rec))
    .map((k) => `${k}=${String(rec[k] ?? '')}`)
    .join(',');
  return s === '' ? '<none>' : s;
}

/** metav1.LabelSelectorAsSelector(sel).String(); `undefined` when the selector is invalid. */
export function selectorString(sel: unknown): string | undefined {
  try {
    return selectorFromLabelSelector((sel ?? null) as MetaLabelSelector | null).toString();
  } catch {
    return undefined;
  }
}

/** metav1.FormatLabelSelector: the selector string, `<none>` when empty (or nil), `<error>` when invalid. */
export function formatLabelSelector(sel: unknown): string {
  const s = selectorString(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

/** resource.Quantity.String() of a JSON quantity: canonical form; `0` when absent; the raw text when unparsable. */
export function quantityString(q: unknown): string {
  if (q === undefined || q === null) return '0';
  const text = typeof q === 'number' ? String(q) : str(q);
  try {
    return parseQuantity(text).toString();
  } catch {
    return text;
  }
}

/** (*resource.Quantity).String() of an optional quantity: `<nil>` when absent. */
export function quantityPtrString(q: unknown): string {
  return q === undefined || q === null ? '<nil>' : quantityString(q);
}

/** intstr.IntOrString.String(). */
export function intOrString(v: unknown): string {
  return typeof v === 'number' ? String(Math.trunc(v)) : str(v);
}

/** Upstream listWithMoreString: the first `max` items, `a,b,c + N more...`, or `<unset>` when empty. */
export function listWithMore(list: string[], count: number, max: number): string {
  const ret = list.slice(0, max).join(',');
  if (count > max) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** "True"/"False" for a bool pointer, `<unset>` when absent (upstream printBoolPtr). */
export function boolPtr(v: unknown): string {
  if (typeof v !== 'boolean') return '<unset>';
  return v ? 'True' : 'False';
}

/** A printer whose rows are produced by `row` and whose columns are `columns`. */
export function printer(columns: TableColumnDefinition[], row: (obj: any, now: Date) => unknown[]): TablePrinter {
  return { columns, row };
}
