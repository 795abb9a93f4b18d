// Server-side table printers (the columns `kubectl get` shows): lookup by group/resource and upstream's default table.

import { corePrinters } from './core.js';
import { otherPrinters } from './other.js';
import { appsPrinters, batchPrinters } from './workloads.js';
import { col, CREATION_DOC, nameCol, nameOf, parseTime, str, type TablePrinter } from './util.js';

export { humanDuration } from './util.js';
export type { TableColumnDefinition, TablePrinter } from './util.js';
export { formatHPAMetrics } from './other.js';

const REGISTRY = new Map<string, TablePrinter>();
for (const [resource, p] of Object.entries(corePrinters)) REGISTRY.set(`/${resource}`, p);
for (const [resource, p] of Object.entries(appsPrinters)) REGISTRY.set(`apps/${resource}`, p);
for (const [resource, p] of Object.entries(batchPrinters)) REGISTRY.set(`batch/${resource}`, p);
for (const [key, p] of Object.entries(otherPrinters)) REGISTRY.set(key, p);
// events.k8s.io/v1 Events share the core printer (upstream prints both through the internal type).
REGISTRY.set('events.k8s.io/events', corePrinters.events as TablePrinter);

/** Go's `time.Time.UTC().Format(time.RFC3339)`: second precision, `Z` suffix; the zero time when absent. */
function rfc3339(ts: unknown): string {
  const t = parseTime(ts);
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return t.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * Upstream's default table (rest.NewDefaultTableConvertor), used for resources without a printer:
 * `Name` and `Created At` (type `date`, the creation timestamp in RFC3339).
 */
export const defaultPrinter: TablePrinter = {
  columns: [nameCol(), col('Created At', 'date', CREATION_DOC)],
  row: (obj) => [nameOf(obj), rfc3339(obj?.metadata?.creationTimestamp)],
};

/**
 * The printer for a resource (`group` '' for core, plural `resource`), as kube-apiserver 1.32's table convertor:
 * the resource's columns (wide ones carry priority 1) and a row function returning every column's cell, given the
 * object as plain JSON in its served version and the current time (for ages). Resources without an upstream
 * printer (roles, clusterroles, limitranges, unknown resources...) get {@link defaultPrinter}.
 */
export function printerFor(group: string, resource: string): TablePrinter {
  return REGISTRY.get(`${group}/${str(resource).toLowerCase()}`) ?? defaultPrinter;
}

/** Whether `group`/`resource` has a specific (non-default) printer. */
export function hasPrinter(group: string, resource: string): boolean {
  return REGISTRY.has(`${group}/${resource.toLowerCase()}`);
}
