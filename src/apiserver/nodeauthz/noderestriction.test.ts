// Tests for the NodeRestriction admission plugin: what a node may write, refused in upstream's words.
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest, Obj, ObjectReader } from '../access.js';
import type { UserInfo } from '../authn.js';
import { StatusError } from '../../apimachinery/index.js';
import { forbiddenNodeLabels, nodeRestriction, semanticEqual } from './noderestriction.js';

/** An in-memory ObjectReader keyed by group/resource/namespace/name. */
function memReader(entries: Array<[group: string, resource: string, obj: Obj]>): ObjectReader {
  const m = new Map<string, Obj>();
  const key = (g: string, r: string, ns: string, n: string) => `${g}/${r}/${ns}/${n}`;
  for (const [g, r, o] of entries) m.set(key(g, r, o.metadata.namespace ?? '', o.metadata.name), o);
  return {
    get: (g, r, ns, n) => m.get(key(g, r, ns, n)),
    list: (g, r, ns) => [...m.entries()].filter(([k]) => k.startsWith(ns ? key(g, r, ns, '') : `${g}/${r}/`)).map(([, v]) => v),
  };
}

const reader = memReader([
  ['', 'nodes', { metadata: { name: 'n1', uid: 'uid-n1' } }],
  ['', 'nodes', { metadata: { name: 'n2', uid: 'uid-n2' } }],
  ['', 'pods', { metadata: { namespace: 'default', name: 'p1', uid: 'uid-p1' }, spec: { nodeName: 'n1' } }],
  ['', 'pods', { metadata: { namespace: 'default', name: 'p2', uid: 'uid-p2' }, spec: { nodeName: 'n2' } }],
]);

const n1: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

function req(p: Partial<AdmissionRequest> & Pick<AdmissionRequest, 'operation' | 'resource'>): AdmissionRequest {
  return {
    group: '',
    version: 'v1',
    kind: '',
    subresource: '',
    namespace: '',
    name: '',
    object: undefined,
    oldObject: undefined,
    user: n1,
    dryRun: false,
    warnings: [],
    ...p,
  };
}

const mirror = (over: { spec?: Obj; metadata?: Obj } = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    namespace: 'kube-system',
    name: 'etcd-n1',
    annotations: { 'kubernetes.io/config.mirror': 'hash' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1', controller: true }],
    ...(over.metadata ?? {}),
  },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'etcd' }], ...(over.spec ?? {}) },
});
const createMirror = (pod: Obj) => req({ operation: 'CREATE', resource: 'pods', namespace: 'kube-system', name: pod.metadata.name, object: pod });

const node = (name: string, over: { labels?: Record<string, string>; spec?: Obj } = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, uid: `uid-${name}`, ...(over.labels ? { labels: over.labels } : {}) },
  spec: { ...(over.spec ?? {}) },
});
const updateNode = (oldN: Obj, newN: Obj, subresource = '') =>
  req({ operation: 'UPDATE', resource: 'nodes', name: newN.metadata.name, subresource, object: newN, oldObject: oldN });

const pvc = (over: { labels?: Record<string, string>; status?: Obj } = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { namespace: 'default', name: 'claim1', resourceVersion: '5', ...(over.labels ? { labels: over.labels } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  status: { phase: 'Bound', ...(over.status ?? {}) },
});

const tokenReq = (boundObjectRef: Obj | undefined, sa = 'sa1') =>
  req({
    operation: 'CREATE',
    resource: 'serviceaccounts',
    subresource: 'token',
    namespace: 'default',
    name: sa,
    object: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], ...(boundObjectRef ? { boundObjectRef } : {}) } },
  });

interface Case {
  name: string;
  r: AdmissionRequest;
  /** undefined: admitted; otherwise the expected Status message (403 unless `code`). */
  error?: string;
  code?: number;
}

const withPodSpec = (spec: Obj) => createMirror(mirror({ spec }));

const cases: Case[] = [
  // Mirror pods.
  { name: 'valid mirror pod', r: createMirror(mirror()) },
  {
    name: 'pod without mirror annotation',
    r: createMirror(mirror({ metadata: { annotations: {} } })),
    error: 'pods "etcd-n1" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
  },
  { name: 'mirror pod for another node', r: withPodSpec({ nodeName: 'n2' }), error: 'pods "etcd-n1" is forbidden: node "n1" can only create pods with spec.nodeName set to itself' },
  {
    name: 'mirror pod without owner',
    r: createMirror(mirror({ metadata: { ownerReferences: [] } })),
    error: 'pods "etcd-n1" is forbidden: node "n1" can only create pods with an owner reference set to itself',
  },
  {
    name: 'mirror pod with two owners',
    r: createMirror(
      mirror({
        metadata: {
          ownerReferences: [
            { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1', controller: true },
            { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1' },
          ],
        },
      }),
    ),
    error: 'pods "etcd-n1" is forbidden: node "n1" can only create pods with a single owner reference set to itself',
  },
  {
    name: 'mirror pod owned by another node',
    r: createMirror(mirror({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n2', uid: 'uid-n2', controller: true }] } })),
    error: 'pods "etcd-n1" is forbidden: node "n1" can only create pods with an owner reference set to itself',
  },
  {
    name: 'mirror pod owner not controller',
    r: createMirror(mirror({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1' }] } })),
    error: 'pods "etcd-n1" is forbidden: node "n1" can only create pods with a controller owner reference set to itself',
  },
  {
    name: 'mirror pod blockOwnerDeletion',
    r: createMirror(
      mirror({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1', controller: true, blockOwnerDeletion: true }] } }),
    ),
    error: 'pods "etcd-n1" is forbidden: node "n1" must not set blockOwnerDeletion on an owner reference',
  },
  {
    name: 'mirror pod with stale node uid',
    r: createMirror(mirror({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'old', controller: true }] } })),
    error: 'pods "etcd-n1" is forbidden: node n1 UID mismatch: expected old got uid-n1',
  },
  {
    name: 'mirror pod with service account',
    r: withPodSpec({ serviceAccountName: 'default' }),
    error: 'pods "etcd-n1" is forbidden: node "n1" can not create pods that reference a service account',
  },
  {
    name: 'mirror pod with secret volume',
    r: withPodSpec({ volumes: [{ name: 's', secret: { secretName: 'x' } }] }),
    error: 'pods "etcd-n1" is forbidden: node "n1" can not create pods that reference secrets',
  },
  {
    name: 'mirror pod with configmap env',
    r: withPodSpec({ containers: [{ name: 'c', image: 'x', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }] }),
    error: 'pods "etcd-n1" is forbidden: node "n1" can not create pods that reference configmaps',
  },
  {
    name: 'mirror pod with clustertrustbundle',
    r: withPodSpec({ volumes: [{ name: 'b', projected: { sources: [{ clusterTrustBundle: { name: 'b', path: 'p' } }] } }] }),
    error: 'pods "etcd-n1" is forbidden: node "n1" can not create pods that reference clustertrustbundles',
  },
  {
    name: 'mirror pod with pvc',
    r: withPodSpec({ volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }] }),
    error: 'pods "etcd-n1" is forbidden: node "n1" can not create pods that reference persistentvolumeclaims',
  },
  {
    name: 'generateName in the refusal',
    r: req({ operation: 'CREATE', resource: 'pods', namespace: 'default', object: { metadata: { generateName: 'web-' }, spec: { nodeName: 'n1' } } }),
    error: 'pods "web-" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
  },
  // Pod delete / update / subresources.
  { name: 'delete own pod', r: req({ operation: 'DELETE', resource: 'pods', namespace: 'default', name: 'p1', oldObject: reader.get('', 'pods', 'default', 'p1') }) },
  { name: 'delete own pod (looked up)', r: req({ operation: 'DELETE', resource: 'pods', namespace: 'default', name: 'p1' }) },
  {
    name: 'delete pod of n2',
    r: req({ operation: 'DELETE', resource: 'pods', namespace: 'default', name: 'p2', oldObject: reader.get('', 'pods', 'default', 'p2') }),
    error: 'pods "p2" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself',
  },
  { name: 'delete missing pod', r: req({ operation: 'DELETE', resource: 'pods', namespace: 'default', name: 'gone' }), error: 'pods "gone" not found', code: 404 },
  {
    name: 'update pod spec',
    r: req({ operation: 'UPDATE', resource: 'pods', namespace: 'default', name: 'p1', object: reader.get('', 'pods', 'default', 'p1'), oldObject: reader.get('', 'pods', 'default', 'p1') }),
    error: 'pods "p1" is forbidden: unexpected operation "UPDATE", node "n1" can only create and delete mirror pods',
  },
  {
    name: 'status of own pod',
    r: req({
      operation: 'UPDATE',
      resource: 'pods',
      subresource: 'status',
      namespace: 'default',
      name: 'p1',
      oldObject: { metadata: { name: 'p1', labels: { a: 'b' } }, spec: { nodeName: 'n1' } },
      object: { metadata: { name: 'p1', labels: { a: 'b' } }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } },
    }),
  },
  {
    name: 'status of pod on n2',
    r: req({ operation: 'UPDATE', resource: 'pods', subresource: 'status', namespace: 'default', name: 'p2', oldObject: { metadata: { name: 'p2' }, spec: { nodeName: 'n2' } }, object: { metadata: { name: 'p2' }, spec: { nodeName: 'n2' } } }),
    error: 'pods "p2" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
  },
  {
    name: 'labels through pod status',
    r: req({
      operation: 'UPDATE',
      resource: 'pods',
      subresource: 'status',
      namespace: 'default',
      name: 'p1',
      oldObject: { metadata: { name: 'p1' }, spec: { nodeName: 'n1' } },
      object: { metadata: { name: 'p1', labels: { x: 'y' } }, spec: { nodeName: 'n1' } },
    }),
    error: 'pods "p1" is forbidden: node "n1" cannot update labels through pod status',
  },
  {
    name: 'resource claim statuses through pod status',
    r: req({
      operation: 'UPDATE',
      resource: 'pods',
      subresource: 'status',
      namespace: 'default',
      name: 'p1',
      oldObject: { metadata: { name: 'p1' }, spec: { nodeName: 'n1' } },
      object: { metadata: { name: 'p1' }, spec: { nodeName: 'n1' }, status: { resourceClaimStatuses: [{ name: 'a', resourceClaimName: 'x' }] } },
    }),
    error: 'pods "p1" is forbidden: node "n1" cannot update resource claim statues',
  },
  {
    name: 'evict own pod',
    r: req({ operation: 'CREATE', resource: 'pods', subresource: 'eviction', namespace: 'default', name: 'p1', object: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p1' } } }),
  },
  {
    name: 'evict pod of n2 (name from the body)',
    r: req({ operation: 'CREATE', resource: 'pods', subresource: 'eviction', namespace: 'default', object: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p2' } } }),
    error: 'pods "p2" is forbidden: node n1 can only evict pods with spec.nodeName set to itself',
  },
  {
    name: 'evict missing pod',
    r: req({ operation: 'CREATE', resource: 'pods', subresource: 'eviction', namespace: 'default', name: 'gone', object: { metadata: { name: 'gone' } } }),
    error: 'pods "gone" not found',
    code: 404,
  },
  {
    name: 'other pod subresource',
    r: req({ operation: 'CREATE', resource: 'pods', subresource: 'binding', namespace: 'default', name: 'p1', object: { metadata: { name: 'p1' } } }),
    error: `pods "p1" is forbidden: unexpected pod subresource "binding", only 'status' and 'eviction' are allowed`,
  },
  // Nodes.
  { name: 'create own node', r: req({ operation: 'CREATE', resource: 'nodes', name: 'n1', object: node('n1', { labels: { 'kubernetes.io/hostname': 'n1', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } }) }) },
  {
    name: 'create another node',
    r: req({ operation: 'CREATE', resource: 'nodes', name: 'n2', object: node('n2') }),
    error: 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
  },
  {
    name: 'create node with restricted labels',
    r: req({ operation: 'CREATE', resource: 'nodes', name: 'n1', object: node('n1', { labels: { 'node-restriction.kubernetes.io/pool': 'a', 'node-role.kubernetes.io/control-plane': '', 'example.com/x': 'y' } }) }),
    error: 'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/pool, node-role.kubernetes.io/control-plane',
  },
  {
    name: 'create node with configSource',
    r: req({ operation: 'CREATE', resource: 'nodes', name: 'n1', object: node('n1', { spec: { configSource: { configMap: { name: 'c' } } } }) }),
    error: 'nodes "n1" is forbidden: node "n1" is not allowed to create pods with a non-nil configSource',
  },
  { name: 'update own node status', r: updateNode(node('n1'), { ...node('n1'), status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'status') },
  {
    name: 'update status of another node',
    r: updateNode(node('n2'), node('n2'), 'status'),
    error: 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
  },
  {
    name: 'modify own taints',
    r: updateNode(node('n1', { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } }), node('n1')),
    error: 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints',
  },
  { name: 'no taints vs empty taints is no change', r: updateNode(node('n1'), node('n1', { spec: { taints: [] } })) },
  {
    name: 'change restricted label',
    r: updateNode(node('n1', { labels: { 'node-restriction.kubernetes.io/pool': 'a' } }), node('n1', { labels: { 'node-restriction.kubernetes.io/pool': 'b' } })),
    error: 'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool',
  },
  {
    name: 'change allowed labels',
    r: updateNode(node('n1', { labels: { 'kubernetes.io/os': 'linux' } }), node('n1', { labels: { 'kubernetes.io/os': 'windows', 'team.example.com/x': '1', 'kubelet.kubernetes.io/y': '2' } })),
  },
  {
    name: 'update configSource',
    r: updateNode(node('n1'), node('n1', { spec: { configSource: { configMap: { name: 'c' } } } })),
    error: 'nodes "n1" is forbidden: node "n1" is not allowed to update configSource to a new non-nil configSource',
  },
  { name: 'delete another node', r: req({ operation: 'DELETE', resource: 'nodes', name: 'n2', oldObject: node('n2') }), error: 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"' },
  // PVC status.
  {
    name: 'pvc capacity and conditions',
    r: req({ operation: 'UPDATE', resource: 'persistentvolumeclaims', subresource: 'status', namespace: 'default', name: 'claim1', oldObject: pvc(), object: { ...pvc({ status: { capacity: { storage: '2Gi' }, conditions: [{ type: 'Resizing', status: 'True' }] } }), metadata: { ...pvc().metadata, resourceVersion: '' } } }),
  },
  {
    name: 'pvc allocatedResources (RecoverVolumeExpansionFailure)',
    r: req({ operation: 'UPDATE', resource: 'persistentvolumeclaims', subresource: 'status', namespace: 'default', name: 'claim1', oldObject: pvc(), object: pvc({ status: { allocatedResources: { storage: '2Gi' } } }) }),
  },
  {
    name: 'pvc labels through status',
    r: req({ operation: 'UPDATE', resource: 'persistentvolumeclaims', subresource: 'status', namespace: 'default', name: 'claim1', oldObject: pvc(), object: pvc({ labels: { a: 'b' } }) }),
    error: 'persistentvolumeclaims "claim1" is forbidden: node "n1" is not allowed to update fields other than status.quantity and status.conditions: metadata.labels',
  },
  {
    name: 'pvc phase through status',
    r: req({ operation: 'UPDATE', resource: 'persistentvolumeclaims', subresource: 'status', namespace: 'default', name: 'claim1', oldObject: pvc(), object: pvc({ status: { phase: 'Lost' } }) }),
    error: 'persistentvolumeclaims "claim1" is forbidden: node "n1" is not allowed to update fields other than status.quantity and status.conditions: status.phase',
  },
  {
    name: 'pvc spec update',
    r: req({ operation: 'UPDATE', resource: 'persistentvolumeclaims', namespace: 'default', name: 'claim1', oldObject: pvc(), object: pvc() }),
    error: 'persistentvolumeclaims "claim1" is forbidden: may only update PVC status',
  },
  // Service account tokens.
  { name: 'token bound to own pod', r: tokenReq({ apiVersion: 'v1', kind: 'Pod', name: 'p1', uid: 'uid-p1' }) },
  { name: 'token not bound', r: tokenReq(undefined), error: 'serviceaccounts "sa1" is forbidden: node requested token not bound to a pod' },
  {
    name: 'token bound to a secret',
    r: tokenReq({ apiVersion: 'v1', kind: 'Secret', name: 's', uid: 'u' }),
    error: 'serviceaccounts "sa1" is forbidden: node requested token not bound to a pod',
  },
  { name: 'token without uid', r: tokenReq({ apiVersion: 'v1', kind: 'Pod', name: 'p1' }), error: 'serviceaccounts "sa1" is forbidden: node requested token with a pod binding without a uid' },
  {
    name: 'token with stale uid',
    r: tokenReq({ apiVersion: 'v1', kind: 'Pod', name: 'p1', uid: 'old' }),
    error: 'serviceaccounts "sa1" is forbidden: the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated',
  },
  {
    name: 'token for pod on n2',
    r: tokenReq({ apiVersion: 'v1', kind: 'Pod', name: 'p2', uid: 'uid-p2' }),
    error: 'serviceaccounts "sa1" is forbidden: node requested token bound to a pod scheduled on a different node',
  },
  { name: 'token for missing pod', r: tokenReq({ apiVersion: 'v1', kind: 'Pod', name: 'gone', uid: 'u' }), error: 'pods "gone" not found', code: 404 },
  // Leases.
  {
    name: 'create own lease',
    r: req({ operation: 'CREATE', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1', object: { metadata: { name: 'n1', namespace: 'kube-node-lease' } } }),
  },
  {
    name: 'create lease of n2',
    r: req({ operation: 'CREATE', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n2', object: { metadata: { name: 'n2', namespace: 'kube-node-lease' } } }),
    error: 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
  },
  { name: 'update own lease', r: req({ operation: 'UPDATE', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1', object: { metadata: { name: 'n1' } } }) },
  {
    name: 'delete lease of n2',
    r: req({ operation: 'DELETE', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n2' }),
    error: 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
  },
  {
    name: 'lease outside kube-node-lease',
    r: req({ operation: 'UPDATE', group: 'coordination.k8s.io', resource: 'leases', namespace: 'default', name: 'n1', object: { metadata: { name: 'n1' } } }),
    error: 'leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace',
  },
  // CSINodes and ResourceSlices.
  {
    name: 'create csinode of n2',
    r: req({ operation: 'CREATE', group: 'storage.k8s.io', resource: 'csinodes', name: 'n2', object: { metadata: { name: 'n2' } } }),
    error: 'csinodes.storage.k8s.io "n2" is forbidden: can only access CSINode with the same name as the requesting node',
  },
  {
    name: 'create resourceslice for n2',
    r: req({ operation: 'CREATE', group: 'resource.k8s.io', resource: 'resourceslices', name: 's', object: { metadata: { name: 's' }, spec: { nodeName: 'n2' } } }),
    error: 'resourceslices.resource.k8s.io "s" is forbidden: can only create ResourceSlice with the same NodeName as the requesting node',
  },
  // Other resources and users are not its business.
  { name: 'events are not restricted', r: req({ operation: 'CREATE', resource: 'events', namespace: 'default', object: { metadata: { name: 'e' } } }) },
  { name: 'non-node users pass', r: { ...createMirror(mirror({ metadata: { annotations: {} } })), user: { name: 'admin', groups: ['system:masters'] } } },
  {
    name: 'empty node name',
    r: { ...createMirror(mirror()), user: { name: 'system:node:', groups: ['system:nodes'] } },
    error: 'pods "etcd-n1" is forbidden: could not determine node from user "system:node:"',
  },
];

describe('NodeRestriction', () => {
  const plugin = nodeRestriction(reader);

  it('is named and handles writes only', () => {
    expect(plugin.name).toBe('NodeRestriction');
    expect(plugin.handles?.('CREATE')).toBe(true);
    expect(plugin.handles?.('DELETE')).toBe(true);
    expect(plugin.handles?.('CONNECT')).toBe(false);
  });

  it.each(cases)('$name', async ({ r, error, code }) => {
    let caught: unknown;
    try {
      await plugin.admit!(r);
    } catch (e) {
      caught = e;
    }
    if (error === undefined) {
      expect(caught).toBeUndefined();
      return;
    }
    expect(caught).toBeInstanceOf(StatusError);
    const se = caught as StatusError;
    expect(se.message).toBe(error);
    expect(se.code).toBe(code ?? 403);
  });

  it('without RecoverVolumeExpansionFailure, allocatedResources are refused', () => {
    const p = nodeRestriction(reader, { recoverVolumeExpansionFailure: false });
    const r = req({ operation: 'UPDATE', resource: 'persistentvolumeclaims', subresource: 'status', namespace: 'default', name: 'claim1', oldObject: pvc(), object: pvc({ status: { allocatedResources: { storage: '2Gi' } } }) });
    expect(() => p.admit!(r)).toThrow(/status\.allocatedResources/);
  });
});

describe('forbiddenNodeLabels', () => {
  it.each([
    [{ 'kubernetes.io/hostname': 'a' }, undefined, []],
    [{ 'topology.kubernetes.io/zone': 'z', 'beta.kubernetes.io/arch': 'amd64' }, {}, []],
    [{ 'foo.node.kubernetes.io/x': '1', 'kubelet.kubernetes.io/y': '1' }, {}, []],
    [{ 'k8s.io/x': '1', 'sub.k8s.io/y': '1', 'kubernetes.io/z': '1' }, {}, ['k8s.io/x', 'kubernetes.io/z', 'sub.k8s.io/y']],
    [{}, { 'node-restriction.kubernetes.io/a': '1' }, ['node-restriction.kubernetes.io/a']],
    [{ 'x.node-restriction.kubernetes.io/a': '1' }, {}, ['x.node-restriction.kubernetes.io/a']],
    [{ 'node-role.kubernetes.io/worker': '' }, { 'node-role.kubernetes.io/worker': '' }, []],
    [{ plain: 'x', 'example.com/y': 'z' }, {}, []],
  ] as Array<[Record<string, string>, Record<string, string> | undefined, string[]]>)('%j vs %j', (a, b, want) => {
    expect(forbiddenNodeLabels(a, b)).toEqual(want);
  });
});

describe('semanticEqual', () => {
  it.each([
    [undefined, [], true],
    [null, {}, true],
    [{ a: [] }, {}, true],
    [[1, 2], [1, 2], true],
    [[1, 2], [2, 1], false],
    [{ a: { b: 'x' } }, { a: { b: 'y' } }, false],
    ['1', 1, false],
  ] as Array<[unknown, unknown, boolean]>)('%j == %j -> %s', (a, b, want) => {
    expect(semanticEqual(a, b)).toBe(want);
  });
});
