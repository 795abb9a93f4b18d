// Tests for the Node authorizer: graph-restricted reads, node/lease/pod rules and the static system:node rules.
import { describe, expect, it } from 'vitest';
import type { Obj, ObjectReader } from '../access.js';
import type { UserInfo } from '../authn.js';
import { nodeAuthorizer, type NodeAuthorizationAttributes } from './authorizer.js';

/** An in-memory ObjectReader over a mutable map (replace objects, never mutate them: the graph memoises by identity). */
class MemReader implements ObjectReader {
  readonly objs = new Map<string, Obj>();
  private key(group: string, resource: string, ns: string, name: string) {
    return `${group}/${resource}/${ns}/${name}`;
  }
  put(group: string, resource: string, obj: Obj): this {
    this.objs.set(this.key(group, resource, obj.metadata?.namespace ?? '', obj.metadata.name), Object.freeze(obj));
    return this;
  }
  remove(group: string, resource: string, ns: string, name: string) {
    this.objs.delete(this.key(group, resource, ns, name));
  }
  get(group: string, resource: string, namespace: string, name: string) {
    return this.objs.get(this.key(group, resource, namespace, name));
  }
  list(group: string, resource: string, namespace?: string) {
    const prefix = namespace ? `${group}/${resource}/${namespace}/` : `${group}/${resource}/`;
    return [...this.objs.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, v]) => v);
  }
}

const pod = (ns: string, name: string, nodeName: string | undefined, spec: Obj = {}, extra: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, uid: `uid-${name}`, ...(extra.metadata ?? {}) },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }], ...spec },
  ...(extra.status ? { status: extra.status } : {}),
});

function fixture(): MemReader {
  const r = new MemReader();
  r.put('', 'nodes', { metadata: { name: 'n1', uid: 'uid-n1' } });
  r.put('', 'nodes', { metadata: { name: 'n2', uid: 'uid-n2' } });
  r.put(
    '',
    'pods',
    pod(
      'default',
      'p1',
      'n1',
      {
        serviceAccountName: 'sa1',
        imagePullSecrets: [{ name: 'pull1' }],
        initContainers: [{ name: 'i', image: 'x', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's-init', key: 'k' } } }] }],
        containers: [
          {
            name: 'c',
            image: 'x',
            env: [
              { name: 'B', valueFrom: { secretKeyRef: { name: 's-env', key: 'k' } } },
              { name: 'C', valueFrom: { configMapKeyRef: { name: 'cm-env', key: 'k' } } },
            ],
            envFrom: [{ configMapRef: { name: 'cm-envfrom' } }],
          },
        ],
        ephemeralContainers: [{ name: 'e', image: 'x', envFrom: [{ secretRef: { name: 's-eph' } }] }],
        volumes: [
          { name: 'sec', secret: { secretName: 's1' } },
          { name: 'cm', configMap: { name: 'cm1' } },
          { name: 'proj', projected: { sources: [{ secret: { name: 's-proj' } }, { configMap: { name: 'cm-proj' } }] } },
          { name: 'data', persistentVolumeClaim: { claimName: 'claim1' } },
          { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
        ],
        resourceClaims: [
          { name: 'gpu', resourceClaimName: 'rc1' },
          { name: 'tpl', resourceClaimTemplateName: 't' },
          { name: 'pending', resourceClaimTemplateName: 't2' },
        ],
      },
      { status: { resourceClaimStatuses: [{ name: 'tpl', resourceClaimName: 'p1-tpl-abc' }] } },
    ),
  );
  r.put(
    '',
    'pods',
    pod('default', 'p2', 'n2', {
      serviceAccountName: 'sa2',
      volumes: [
        { name: 'sec', secret: { secretName: 's2' } },
        { name: 'cm', configMap: { name: 'cm2' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'claim2' } },
      ],
    }),
  );
  // A mirror pod on n1 that names a secret: grants nothing but itself.
  r.put(
    '',
    'pods',
    pod('default', 'm1', 'n1', { volumes: [{ name: 's', secret: { secretName: 's-mirror' } }] }, { metadata: { annotations: { 'kubernetes.io/config.mirror': 'abc' } } }),
  );
  // A pending pod (no node) grants nothing.
  r.put('', 'pods', pod('default', 'p3', undefined, { volumes: [{ name: 's', secret: { secretName: 's3' } }] }));
  r.put('', 'persistentvolumes', {
    metadata: { name: 'pv1' },
    spec: {
      claimRef: { namespace: 'default', name: 'claim1' },
      csi: {
        driver: 'd',
        volumeHandle: 'h',
        nodePublishSecretRef: { namespace: 'csi', name: 'csi-secret' },
        controllerPublishSecretRef: { namespace: 'csi', name: 'ctrl-secret' },
      },
    },
  });
  r.put('', 'persistentvolumes', { metadata: { name: 'pv2' }, spec: { claimRef: { namespace: 'default', name: 'claim2' }, rbd: { secretRef: { name: 'rbd-secret' } } } });
  r.put('storage.k8s.io', 'volumeattachments', { metadata: { name: 'va1' }, spec: { nodeName: 'n1' } });
  r.put('storage.k8s.io', 'volumeattachments', { metadata: { name: 'va2' }, spec: { nodeName: 'n2' } });
  return r;
}

const nodeUser = (n: string): UserInfo => ({ name: `system:node:${n}`, groups: ['system:nodes', 'system:authenticated'] });

function attrs(p: Partial<NodeAuthorizationAttributes> & { verb: string; resource?: string }): NodeAuthorizationAttributes {
  return {
    user: nodeUser('n1'),
    isResourceRequest: true,
    path: '/api/v1/x',
    apiGroup: '',
    apiVersion: 'v1',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    ...p,
  };
}

const NO_REL = (n: string) => `no relationship found between node '${n}' and this object`;

interface Case {
  name: string;
  a: NodeAuthorizationAttributes;
  allowed: boolean;
  /** Expected reason; undefined means "no reason". Ignored when allowed. */
  reason?: string;
}

const ns = 'default';
const cases: Case[] = [
  // The issue's acceptance case: n1 reads the secret of its pod, not the secret of n2's pod.
  { name: 'secret of own pod', a: attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 's1' }), allowed: true },
  { name: 'secret of pod on n2', a: attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 's2' }), allowed: false, reason: NO_REL('n1') },
  { name: 'n2 reads its secret', a: attrs({ user: nodeUser('n2'), verb: 'get', resource: 'secrets', namespace: ns, name: 's2' }), allowed: true },
  { name: 'n2 cannot read n1 secret', a: attrs({ user: nodeUser('n2'), verb: 'get', resource: 'secrets', namespace: ns, name: 's1' }), allowed: false, reason: NO_REL('n2') },
  { name: 'secret in another namespace', a: attrs({ verb: 'get', resource: 'secrets', namespace: 'kube-system', name: 's1' }), allowed: false, reason: NO_REL('n1') },
  { name: 'unknown secret', a: attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 'nope' }), allowed: false, reason: NO_REL('n1') },
  { name: 'env secretKeyRef', a: attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 's-env' }), allowed: true },
  { name: 'init container env', a: attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 's-init' }), allowed: true },
  { name: 'ephemeral container envFrom', a: attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 's-eph' }), allowed: true },
  { name: 'projected secret', a: attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 's-proj' }), allowed: true },
  { name: 'imagePullSecret', a: attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 'pull1' }), allowed: true },
  { name: 'mirror pod grants no secret', a: attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 's-mirror' }), allowed: false, reason: NO_REL('n1') },
  { name: 'pending pod grants nothing', a: attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 's3' }), allowed: false, reason: NO_REL('n1') },
  { name: 'secret via pv csi node publish', a: attrs({ verb: 'get', resource: 'secrets', namespace: 'csi', name: 'csi-secret' }), allowed: true },
  { name: 'pv controller secret not kubelet-visible', a: attrs({ verb: 'get', resource: 'secrets', namespace: 'csi', name: 'ctrl-secret' }), allowed: false, reason: NO_REL('n1') },
  { name: 'rbd secret of n2 pv (claimRef namespace)', a: attrs({ user: nodeUser('n2'), verb: 'get', resource: 'secrets', namespace: ns, name: 'rbd-secret' }), allowed: true },
  { name: 'rbd secret not for n1', a: attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 'rbd-secret' }), allowed: false, reason: NO_REL('n1') },
  { name: 'list secrets without name', a: attrs({ verb: 'list', resource: 'secrets', namespace: ns }), allowed: false, reason: 'No Object name found' },
  { name: 'watch one secret by metadata.name', a: attrs({ verb: 'watch', resource: 'secrets', namespace: ns, fieldSelector: 'metadata.name=s1' }), allowed: true },
  { name: 'watch n2 secret by metadata.name', a: attrs({ verb: 'watch', resource: 'secrets', namespace: ns, fieldSelector: 'metadata.name=s2' }), allowed: false, reason: NO_REL('n1') },
  { name: 'update secret', a: attrs({ verb: 'update', resource: 'secrets', namespace: ns, name: 's1' }), allowed: false, reason: 'can only read resources of this type' },
  { name: 'cluster-wide secret read', a: attrs({ verb: 'get', resource: 'secrets', name: 's1' }), allowed: false, reason: 'can only read namespaced object of this type' },
  { name: 'configmap volume', a: attrs({ verb: 'get', resource: 'configmaps', namespace: ns, name: 'cm1' }), allowed: true },
  { name: 'configmap env', a: attrs({ verb: 'get', resource: 'configmaps', namespace: ns, name: 'cm-env' }), allowed: true },
  { name: 'configmap envFrom', a: attrs({ verb: 'get', resource: 'configmaps', namespace: ns, name: 'cm-envfrom' }), allowed: true },
  { name: 'configmap projected', a: attrs({ verb: 'get', resource: 'configmaps', namespace: ns, name: 'cm-proj' }), allowed: true },
  { name: 'configmap of n2', a: attrs({ verb: 'get', resource: 'configmaps', namespace: ns, name: 'cm2' }), allowed: false, reason: NO_REL('n1') },
  { name: 'pvc', a: attrs({ verb: 'get', resource: 'persistentvolumeclaims', namespace: ns, name: 'claim1' }), allowed: true },
  { name: 'ephemeral pvc', a: attrs({ verb: 'get', resource: 'persistentvolumeclaims', namespace: ns, name: 'p1-scratch' }), allowed: true },
  { name: 'pvc of n2', a: attrs({ verb: 'get', resource: 'persistentvolumeclaims', namespace: ns, name: 'claim2' }), allowed: false, reason: NO_REL('n1') },
  { name: 'list pvcs', a: attrs({ verb: 'list', resource: 'persistentvolumeclaims', namespace: ns }), allowed: false, reason: 'can only get individual resources of this type' },
  { name: 'pvc status update', a: attrs({ verb: 'update', resource: 'persistentvolumeclaims', subresource: 'status', namespace: ns, name: 'claim1' }), allowed: true },
  { name: 'pvc status of n2', a: attrs({ verb: 'patch', resource: 'persistentvolumeclaims', subresource: 'status', namespace: ns, name: 'claim2' }), allowed: false, reason: NO_REL('n1') },
  { name: 'pvc status get', a: attrs({ verb: 'get', resource: 'persistentvolumeclaims', subresource: 'status', namespace: ns, name: 'claim1' }), allowed: false, reason: 'can only get/update/patch this type' },
  { name: 'pv via pvc', a: attrs({ verb: 'get', resource: 'persistentvolumes', name: 'pv1' }), allowed: true },
  { name: 'pv of n2', a: attrs({ verb: 'get', resource: 'persistentvolumes', name: 'pv2' }), allowed: false, reason: NO_REL('n1') },
  { name: 'resourceclaim by name', a: attrs({ verb: 'get', apiGroup: 'resource.k8s.io', resource: 'resourceclaims', namespace: ns, name: 'rc1' }), allowed: true },
  { name: 'resourceclaim from template status', a: attrs({ verb: 'get', apiGroup: 'resource.k8s.io', resource: 'resourceclaims', namespace: ns, name: 'p1-tpl-abc' }), allowed: true },
  { name: 'unrelated resourceclaim', a: attrs({ verb: 'get', apiGroup: 'resource.k8s.io', resource: 'resourceclaims', namespace: ns, name: 't2' }), allowed: false, reason: NO_REL('n1') },
  { name: 'volumeattachment of n1', a: attrs({ verb: 'get', apiGroup: 'storage.k8s.io', resource: 'volumeattachments', name: 'va1' }), allowed: true },
  { name: 'volumeattachment of n2', a: attrs({ verb: 'get', apiGroup: 'storage.k8s.io', resource: 'volumeattachments', name: 'va2' }), allowed: false, reason: NO_REL('n1') },
  // Service account tokens.
  { name: 'token for own pod SA', a: attrs({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: ns, name: 'sa1' }), allowed: true },
  { name: 'token for n2 pod SA', a: attrs({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: ns, name: 'sa2' }), allowed: false, reason: NO_REL('n1') },
  { name: 'get serviceaccount', a: attrs({ verb: 'get', resource: 'serviceaccounts', namespace: ns, name: 'sa1' }), allowed: false, reason: 'can only create tokens for individual service accounts' },
  { name: 'create serviceaccount', a: attrs({ verb: 'create', resource: 'serviceaccounts', namespace: ns, name: 'sa1' }), allowed: false, reason: 'can only create token subresource of serviceaccount' },
  // Leases.
  { name: 'update own lease', a: attrs({ verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1' }), allowed: true },
  { name: 'create lease (name checked in admission)', a: attrs({ verb: 'create', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease' }), allowed: true },
  { name: 'update n2 lease', a: attrs({ verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n2' }), allowed: false, reason: 'can only access node lease with the same name as the requesting node' },
  { name: 'lease elsewhere', a: attrs({ verb: 'get', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'default', name: 'n1' }), allowed: false, reason: 'can only access leases in the "kube-node-lease" system namespace' },
  { name: 'list leases', a: attrs({ verb: 'list', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease' }), allowed: false, reason: 'can only get, create, update, patch, or delete a node lease' },
  // Nodes.
  { name: 'get own node', a: attrs({ verb: 'get', resource: 'nodes', name: 'n1' }), allowed: true },
  { name: 'get other node', a: attrs({ verb: 'get', resource: 'nodes', name: 'n2' }), allowed: false, reason: "node 'n1' cannot read 'n2', only its own Node object" },
  { name: 'list all nodes', a: attrs({ verb: 'list', resource: 'nodes' }), allowed: false, reason: "node 'n1' cannot read all nodes, only its own Node object" },
  { name: 'watch own node by selector', a: attrs({ verb: 'watch', resource: 'nodes', fieldSelector: 'metadata.name=n1' }), allowed: true },
  { name: 'create node', a: attrs({ verb: 'create', resource: 'nodes' }), allowed: true },
  { name: 'patch node', a: attrs({ verb: 'patch', resource: 'nodes', name: 'n1' }), allowed: true },
  { name: 'update own node status', a: attrs({ verb: 'update', resource: 'nodes', subresource: 'status', name: 'n1' }), allowed: true },
  { name: 'delete node', a: attrs({ verb: 'delete', resource: 'nodes', name: 'n1' }), allowed: false },
  { name: 'get node status', a: attrs({ verb: 'get', resource: 'nodes', subresource: 'status', name: 'n1' }), allowed: false },
  // Pods.
  { name: 'get own pod', a: attrs({ verb: 'get', resource: 'pods', namespace: ns, name: 'p1' }), allowed: true },
  { name: 'get own mirror pod', a: attrs({ verb: 'get', resource: 'pods', namespace: ns, name: 'm1' }), allowed: true },
  { name: 'get pod on n2', a: attrs({ verb: 'get', resource: 'pods', namespace: ns, name: 'p2' }), allowed: false, reason: NO_REL('n1') },
  { name: 'watch pods on own node', a: attrs({ verb: 'watch', resource: 'pods', fieldSelector: 'spec.nodeName=n1' }), allowed: true },
  { name: 'list pods on own node (==)', a: attrs({ verb: 'list', resource: 'pods', fieldSelector: 'spec.nodeName==n1' }), allowed: true },
  { name: 'watch pods on n2', a: attrs({ verb: 'watch', resource: 'pods', fieldSelector: 'spec.nodeName=n2' }), allowed: false, reason: 'can only list/watch pods with spec.nodeName field selector' },
  { name: 'list all pods', a: attrs({ verb: 'list', resource: 'pods' }), allowed: false, reason: 'can only list/watch pods with spec.nodeName field selector' },
  { name: 'watch one own pod by name', a: attrs({ verb: 'watch', resource: 'pods', namespace: ns, fieldSelector: 'metadata.name=p1' }), allowed: true },
  { name: 'create pod (mirror, admission decides)', a: attrs({ verb: 'create', resource: 'pods', namespace: ns }), allowed: true },
  { name: 'update pod status', a: attrs({ verb: 'patch', resource: 'pods', subresource: 'status', namespace: ns, name: 'p1' }), allowed: true },
  { name: 'evict pod', a: attrs({ verb: 'create', resource: 'pods', subresource: 'eviction', namespace: ns, name: 'p1' }), allowed: true },
  { name: 'exec into pod', a: attrs({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: ns, name: 'p1' }), allowed: false },
  { name: 'update pod spec', a: attrs({ verb: 'update', resource: 'pods', namespace: ns, name: 'p1' }), allowed: false },
  // CSINodes.
  { name: 'own csinode', a: attrs({ verb: 'update', apiGroup: 'storage.k8s.io', resource: 'csinodes', name: 'n1' }), allowed: true },
  { name: 'other csinode', a: attrs({ verb: 'get', apiGroup: 'storage.k8s.io', resource: 'csinodes', name: 'n2' }), allowed: false, reason: 'can only access CSINode with the same name as the requesting node' },
  // Static system:node rules.
  { name: 'list services', a: attrs({ verb: 'list', resource: 'services' }), allowed: true },
  { name: 'create events', a: attrs({ verb: 'create', resource: 'events', namespace: ns }), allowed: true },
  { name: 'get endpoints', a: attrs({ verb: 'get', resource: 'endpoints', namespace: ns, name: 'e' }), allowed: true },
  { name: 'create csr', a: attrs({ verb: 'create', apiGroup: 'certificates.k8s.io', resource: 'certificatesigningrequests' }), allowed: true },
  { name: 'watch runtimeclasses', a: attrs({ verb: 'watch', apiGroup: 'node.k8s.io', resource: 'runtimeclasses' }), allowed: true },
  { name: 'create tokenreviews', a: attrs({ verb: 'create', apiGroup: 'authentication.k8s.io', resource: 'tokenreviews' }), allowed: true },
  { name: 'list deployments', a: attrs({ verb: 'list', apiGroup: 'apps', resource: 'deployments' }), allowed: false },
  { name: 'delete services', a: attrs({ verb: 'delete', resource: 'services', namespace: ns, name: 's' }), allowed: false },
  { name: 'non-resource path', a: attrs({ verb: 'get', isResourceRequest: false, path: '/healthz' }), allowed: false },
  // Who is a node.
  { name: 'non-node user', a: attrs({ user: { name: 'jane', groups: ['system:authenticated'] }, verb: 'get', resource: 'secrets', namespace: ns, name: 's1' }), allowed: false },
  { name: 'node name without nodes group', a: attrs({ user: { name: 'system:node:n1', groups: [] }, verb: 'get', resource: 'secrets', namespace: ns, name: 's1' }), allowed: false },
  { name: 'nodes group without node name', a: attrs({ user: { name: 'kubelet', groups: ['system:nodes'] }, verb: 'list', resource: 'services' }), allowed: false },
  { name: 'empty node name', a: attrs({ user: { name: 'system:node:', groups: ['system:nodes'] }, verb: 'list', resource: 'services' }), allowed: false, reason: 'unknown node for user "system:node:"' },
];

describe('nodeAuthorizer', () => {
  const authz = nodeAuthorizer(fixture());
  it.each(cases)('$name', ({ a, allowed, reason }) => {
    const d = authz.authorize(a);
    expect(d.allowed).toBe(allowed);
    if (!allowed) {
      expect(d.noOpinion).toBe(true);
      expect(d.reason).toBe(reason);
    } else {
      expect(d.noOpinion).toBeUndefined();
    }
  });

  it('follows changes of the pods (no stale grants after a pod is replaced or deleted)', () => {
    const r = fixture();
    const a = nodeAuthorizer(r);
    const s1 = attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 's1' });
    const sNew = attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 's-new' });
    expect(a.authorize(s1).allowed).toBe(true);
    expect(a.authorize(sNew).allowed).toBe(false);
    // Recreated with different references (a new object, as the watch cache would hold).
    r.put('', 'pods', pod(ns, 'p1', 'n1', { volumes: [{ name: 'x', secret: { secretName: 's-new' } }] }));
    expect(a.authorize(s1).allowed).toBe(false);
    expect(a.authorize(sNew).allowed).toBe(true);
    r.remove('', 'pods', ns, 'p1');
    expect(a.authorize(sNew).allowed).toBe(false);
    // A pod scheduled onto n1 later grants its objects from then on.
    r.put('', 'pods', pod(ns, 'late', 'n1', { volumes: [{ name: 'x', configMap: { name: 'late-cm' } }] }));
    expect(a.authorize(attrs({ verb: 'get', resource: 'configmaps', namespace: ns, name: 'late-cm' })).allowed).toBe(true);
  });

  it('without AuthorizeNodeWithSelectors, nodes and pods fall back to the static rules', () => {
    const a = nodeAuthorizer(fixture(), { authorizeNodeWithSelectors: false });
    expect(a.authorize(attrs({ verb: 'list', resource: 'pods' })).allowed).toBe(true);
    expect(a.authorize(attrs({ verb: 'get', resource: 'nodes', name: 'n2' })).allowed).toBe(true);
    // Graph-restricted resources stay restricted.
    expect(a.authorize(attrs({ verb: 'get', resource: 'secrets', namespace: ns, name: 's2' })).allowed).toBe(false);
  });

  it('an unparsable field selector grants nothing', () => {
    const d = authz.authorize(attrs({ verb: 'list', resource: 'pods', fieldSelector: 'spec.nodeName' }));
    expect(d).toEqual({ allowed: false, noOpinion: true, reason: 'can only list/watch pods with spec.nodeName field selector' });
  });
});
