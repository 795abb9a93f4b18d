// Unit tests of the StatefulSet helpers: ordinals, identity and storage, versioned pods, status counting, PVC retention.
import { describe, expect, it } from 'vitest';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import {
  claimsForPod,
  completeRollingUpdate,
  countReplicas,
  desiredClaimOwnerRefs,
  endOrdinal,
  hasStaleOwnerRef,
  identityMatches,
  newStatefulSetPod,
  newVersionedStatefulSetPod,
  parentAndOrdinal,
  podInOrdinalRange,
  storageMatches,
} from './utils.js';

const set = (spec: Partial<StatefulSet['spec']> = {}, status?: StatefulSet['status']): StatefulSet => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'ns', uid: 'set-uid' },
  spec: {
    replicas: 3,
    serviceName: 'svc',
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'data', emptyDir: {} }, { name: 'other', emptyDir: {} }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data', labels: { t: 'x' } }, spec: { accessModes: ['ReadWriteOnce'] } }],
    ...spec,
  } as StatefulSet['spec'],
  ...(status ? { status } : {}),
});

describe('ordinals', () => {
  it.each<[string, string, number]>([
    ['web-0', 'web', 0],
    ['web-12', 'web', 12],
    ['my-web-3', 'my-web', 3],
    ['web', '', -1],
    ['web-x', '', -1],
    ['web-99999999999', 'web', -1],
  ])('%s', (name, parent, ordinal) => expect(parentAndOrdinal(name)).toEqual({ parent, ordinal }));

  it.each<[number | undefined, number, string, boolean]>([
    [undefined, 3, 'web-2', true],
    [undefined, 3, 'web-3', false],
    [5, 2, 'web-4', false],
    [5, 2, 'web-5', true],
    [5, 2, 'web-6', true],
    [5, 2, 'web-7', false],
  ])('start %s replicas %d: %s in range %s', (start, replicas, name, want) => {
    const s = set({ replicas, ...(start !== undefined ? { ordinals: { start } } : {}) });
    expect(podInOrdinalRange({ metadata: { name } }, s)).toBe(want);
    expect(endOrdinal(s)).toBe((start ?? 0) + replicas - 1);
  });
});

describe('pods from the set', () => {
  it('gives identity, storage and the owner reference', () => {
    const p = newStatefulSetPod(set(), 2);
    expect(p.metadata?.name).toBe('web-2');
    expect(p.metadata?.generateName).toBeUndefined();
    expect(p.metadata?.labels).toEqual({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2' });
    expect(p.spec?.hostname).toBe('web-2');
    expect(p.spec?.subdomain).toBe('svc');
    expect(p.spec?.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-2' } }, { name: 'other', emptyDir: {} }]);
    expect(p.metadata?.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true }]);
    expect(identityMatches(set(), p)).toBe(true);
    expect(storageMatches(set(), p)).toBe(true);
  });

  it.each<[string, (p: Pod) => void, boolean, boolean]>([
    ['wrong pod-name label', (p) => (p.metadata!.labels!['statefulset.kubernetes.io/pod-name'] = 'x'), false, true],
    ['other namespace', (p) => (p.metadata!.namespace = 'other'), false, true],
    ['claim volume missing', (p) => (p.spec!.volumes = []), true, false],
    ['claim volume points elsewhere', (p) => (p.spec!.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-9' } }]), true, false],
  ])('%s', (_n, mutate, identity, storage) => {
    const p = newStatefulSetPod(set(), 1);
    mutate(p);
    expect(identityMatches(set(), p)).toBe(identity);
    expect(storageMatches(set(), p)).toBe(storage);
  });

  it('claims carry template and selector labels', () => {
    const c = claimsForPod(set(), 4).get('data')!;
    expect(c.metadata).toMatchObject({ name: 'data-web-4', namespace: 'ns', labels: { t: 'x', app: 'web' } });
    expect(c.spec?.accessModes).toEqual(['ReadWriteOnce']);
  });

  it.each<[string, StatefulSet['spec'] extends infer S ? Partial<S> : never, number | undefined, number, 'cur' | 'upd']>([
    ['below the partition: current', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, undefined, 1, 'cur'],
    ['at the partition: update', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, undefined, 2, 'upd'],
    ['no rollingUpdate, below currentReplicas: current', { updateStrategy: { type: 'RollingUpdate' } }, 2, 1, 'cur'],
    ['no rollingUpdate, at currentReplicas: update', { updateStrategy: { type: 'RollingUpdate' } }, 2, 2, 'upd'],
    ['OnDelete: update', { updateStrategy: { type: 'OnDelete' } }, 3, 0, 'upd'],
  ])('versioned pod: %s', (_n, spec, currentReplicas, ordinal, want) => {
    const cur = set(spec, { replicas: 3, currentReplicas: currentReplicas ?? 0 });
    const upd = structuredClone(cur);
    upd.spec!.template.metadata!.annotations = { v: '2' };
    const p = newVersionedStatefulSetPod(cur, upd, 'web-a', 'web-b', ordinal);
    expect(p.metadata?.labels?.['controller-revision-hash']).toBe(want === 'cur' ? 'web-a' : 'web-b');
    expect(p.metadata?.annotations?.['v']).toBe(want === 'cur' ? undefined : '2');
  });
});

describe('status', () => {
  const pod = (name: string, phase: string | undefined, readySince: string | undefined, rev: string, deleting = false): Pod => ({
    metadata: { name, labels: { 'controller-revision-hash': rev }, ...(deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    status: { ...(phase ? { phase } : {}), ...(readySince ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] } : {}) },
  });
  const now = Date.parse('2024-01-01T00:01:00Z');
  it.each<[string, Pod[], number, object]>([
    ['not created pods are not counted', [pod('web-0', undefined, undefined, 'a')], 0, { replicas: 0, currentReplicas: 0 }],
    [
      'ready, available and revisions',
      [pod('web-0', 'Running', '2024-01-01T00:00:00Z', 'a'), pod('web-1', 'Running', '2024-01-01T00:00:50Z', 'b'), pod('web-2', 'Pending', undefined, 'b')],
      30,
      { replicas: 3, readyReplicas: 2, availableReplicas: 1, currentReplicas: 1, updatedReplicas: 2 },
    ],
    ['terminating pods count as replicas but no revision', [pod('web-0', 'Running', '2024-01-01T00:00:00Z', 'a', true)], 0, { replicas: 1, readyReplicas: 1, currentReplicas: 0 }],
  ])('%s', (_n, pods, minReady, want) => expect(countReplicas(pods, minReady, 'a', 'b', now)).toMatchObject(want));

  it('completes a rolling update when all are updated and ready', () => {
    const st = { replicas: 2, readyReplicas: 2, updatedReplicas: 2, currentReplicas: 0, currentRevision: 'a', updateRevision: 'b' };
    completeRollingUpdate(set(), st);
    expect(st).toMatchObject({ currentReplicas: 2, currentRevision: 'b' });
    const partial = { replicas: 2, readyReplicas: 1, updatedReplicas: 2, currentReplicas: 0, currentRevision: 'a', updateRevision: 'b' };
    completeRollingUpdate(set(), partial);
    expect(partial.currentRevision).toBe('a');
  });
});

describe('PVC retention', () => {
  const pod = (name: string): Pod => ({ metadata: { name, uid: `${name}-uid` } });
  const claim = (refs: string[] = []): PersistentVolumeClaim => ({
    metadata: { name: 'data-web-0', ownerReferences: refs.map((r) => ({ apiVersion: 'v1', kind: r.split('/')[0]!, name: r.split('/')[1]!, uid: `${r.split('/')[1]}-uid` })) },
  });
  const names = (r: ReturnType<typeof desiredClaimOwnerRefs>) => r?.map((x) => `${x.kind}/${x.name}`);
  it.each<[string, string, string, string, string[], string[] | undefined]>([
    ['Retain/Retain, nothing to do', 'Retain', 'Retain', 'web-0', [], undefined],
    ['Retain/Retain drops refs', 'Retain', 'Retain', 'web-0', ['Pod/web-0'], []],
    ['whenDeleted Delete adds the set', 'Delete', 'Retain', 'web-0', [], ['StatefulSet/web']],
    ['whenScaled Delete, in range: no pod ref', 'Retain', 'Delete', 'web-0', [], undefined],
    ['whenScaled Delete, scaled down: pod ref', 'Retain', 'Delete', 'web-5', [], ['Pod/web-5']],
    ['Delete/Delete scaled down: pod instead of set', 'Delete', 'Delete', 'web-5', ['StatefulSet/web'], ['Pod/web-5']],
    ['Delete/Delete in range: set', 'Delete', 'Delete', 'web-1', [], ['StatefulSet/web']],
  ])('%s', (_n, whenDeleted, whenScaled, podName, refs, want) => {
    const s = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
    const c = claim(refs.map((r) => (r === 'StatefulSet/web' ? 'StatefulSet/set' : r)));
    if (refs.includes('StatefulSet/web')) c.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid' }];
    expect(names(desiredClaimOwnerRefs(c, s, pod(podName)))).toEqual(want);
  });
  it('a claim owned by an earlier pod of the same name is stale', () => {
    expect(hasStaleOwnerRef(claim(['Pod/web-0']), { metadata: { name: 'web-0', uid: 'new' } })).toBe(true);
    expect(hasStaleOwnerRef(claim(['Pod/web-0']), { metadata: { name: 'web-0', uid: 'web-0-uid' } })).toBe(false);
    expect(hasStaleOwnerRef(claim([]), { metadata: { name: 'web-0' } })).toBe(false);
  });
});
