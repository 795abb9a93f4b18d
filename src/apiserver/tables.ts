// meta.k8s.io Table and PartialObjectMetadata(List) envelopes for kubectl's server-side printing.
import { printerFor } from '../api/printers/index.js';
import type { ResourceInfo } from '../api/index.js';
import type { Obj } from './registry.js';

/** Metadata-only form of an object (PartialObjectMetadata). */
export function toPartial(obj: Obj, metaVersion: string): Obj {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${metaVersion}`, metadata: obj.metadata ?? {} };
}

/** PartialObjectMetadataList of objects. */
export function toPartialList(objs: Obj[], metaVersion: string, resourceVersion: string): Obj {
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion: `meta.k8s.io/${metaVersion}`,
    metadata: { resourceVersion },
    items: objs.map((o) => ({ metadata: o.metadata ?? {} })),
  };
}

/**
 * A Table of `objs` (already in the client's version) with the resource's columns. `includeObject` is
 * `None`, `Metadata` (default) or `Object`: what each row's `object` carries.
 */
export function toTable(info: ResourceInfo, objs: Obj[], metaVersion: string, resourceVersion: string, includeObject: string | null): Obj & { metadata: Obj } {
  const printer = printerFor(info.group, info.resource);
  const now = new Date();
  const include = includeObject ?? 'Metadata';
  const rows = objs.map((o) => {
    const row: Obj = { cells: printer.row(o, now) };
    if (include === 'Object') row.object = o;
    else if (include !== 'None') row.object = toPartial(o, metaVersion);
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${metaVersion}`,
    metadata: { resourceVersion },
    columnDefinitions: printer.columns,
    rows,
  };
}
