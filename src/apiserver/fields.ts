// Field selector support per kind: which field labels each kind accepts and their values for an object (upstream's *ToSelectableFields).
import type { Obj } from './registry.js';

type FieldFn = (o: Obj) => Record<string, string>;

const s = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

const PER_KIND: Record<string, FieldFn> = {
  '/Pod': (o) => ({
    'spec.nodeName': s(o.spec?.nodeName),
    'spec.restartPolicy': s(o.spec?.restartPolicy),
    'spec.schedulerName': s(o.spec?.schedulerName),
    'spec.serviceAccountName': s(o.spec?.serviceAccountName),
    'spec.hostNetwork': String(!!o.spec?.hostNetwork),
    'status.phase': s(o.status?.phase),
    'status.podIP': s(o.status?.podIPs?.[0]?.ip ?? o.status?.podIP),
    'status.nominatedNodeName': s(o.status?.nominatedNodeName),
  }),
  '/Event': (o) => ({
    'involvedObject.kind': s(o.involvedObject?.kind),
    'involvedObject.namespace': s(o.involvedObject?.namespace),
    'involvedObject.name': s(o.involvedObject?.name),
    'involvedObject.uid': s(o.involvedObject?.uid),
    'involvedObject.apiVersion': s(o.involvedObject?.apiVersion),
    'involvedObject.resourceVersion': s(o.involvedObject?.resourceVersion),
    'involvedObject.fieldPath': s(o.involvedObject?.fieldPath),
    reason: s(o.reason),
    reportingComponent: s(o.reportingComponent),
    source: s(o.source?.component || o.reportingComponent),
    type: s(o.type),
  }),
  '/Secret': (o) => ({ type: s(o.type) }),
  '/Node': (o) => ({ 'spec.unschedulable': String(!!o.spec?.unschedulable) }),
  '/Namespace': (o) => ({ 'status.phase': s(o.status?.phase) }),
  '/ReplicationController': (o) => ({ 'status.replicas': s(o.status?.replicas ?? 0) }),
  'apps/ReplicaSet': (o) => ({ 'status.replicas': s(o.status?.replicas ?? 0) }),
  'batch/Job': (o) => ({ 'status.successful': s(o.status?.succeeded ?? 0) }),
  '/PersistentVolumeClaim': () => ({}),
};

const EXTRA_LABELS: Record<string, string[]> = {
  '/Pod': ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  '/Event': [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  '/Secret': ['type'],
  '/Node': ['spec.unschedulable'],
  '/Namespace': ['status.phase'],
  '/ReplicationController': ['status.replicas'],
  'apps/ReplicaSet': ['status.replicas'],
  'batch/Job': ['status.successful'],
};

/** The field labels a kind (`group/Kind` of its storage) accepts in field selectors. */
export function supportedFieldLabels(kindKey: string): Set<string> {
  return new Set(['metadata.name', 'metadata.namespace', ...(EXTRA_LABELS[kindKey] ?? [])]);
}

/** The selectable fields of an object of `kindKey`. */
export function fieldSetFor(kindKey: string, o: Obj): Record<string, string> {
  const base: Record<string, string> = { 'metadata.name': s(o.metadata?.name), 'metadata.namespace': s(o.metadata?.namespace) };
  const f = PER_KIND[kindKey];
  return f ? { ...base, ...f(o) } : base;
}
