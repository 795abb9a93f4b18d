// Tests of the ServiceAccount, LimitRanger, DefaultStorageClass, DefaultTolerationSeconds and Priority admission plugins.
import { describe, expect, it } from 'vitest';
import { StatusError } from '../../apimachinery/index.js';
import type { AdmissionPlugin, AdmissionRequest, Obj, ObjectReader } from '../access.js';
import { defaultStorageClassPlugin } from './defaultstorageclass.js';
import { defaultTolerationSecondsPlugin } from './defaulttolerationseconds.js';
import { limitRangerPlugin, ratioString } from './limitranger.js';
import { priorityPlugin } from './priority.js';
import { serviceAccountPlugin, tokenVolumeSource } from './serviceaccount.js';
import { taintNodesByConditionPlugin } from './taintnodesbycondition.js';

/** An in-memory ObjectReader over `[group, resource, object]` entries. */
function memReader(entries: [string, string, Obj][]): ObjectReader {
  const key = (g: string, r: string, ns: string, n: string) => `${g}/${r}/${ns}/${n}`;
  const m = new Map<string, Obj>();
  for (const [g, r, o] of entries) m.set(key(g, r, o['metadata']?.['namespace'] ?? '', o['metadata']?.['name']), o);
  return {
    get: (g, r, ns, n) => m.get(key(g, r, ns, n)),
    list: (g, r, ns) =>
      [...m.entries()]
        .filter(([k]) => k.startsWith(`${g}/${r}/${ns ? `${ns}/` : ''}`))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([, o]) => o),
  };
}

interface ReqOpts {
  operation?: AdmissionRequest['operation'];
  group?: string;
  kind?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  oldObject?: Obj;
}

function request(object: Obj, o: ReqOpts = {}): AdmissionRequest {
  return {
    operation: o.operation ?? 'CREATE',
    group: o.group ?? '',
    version: 'v1',
    kind: o.kind ?? 'Pod',
    resource: o.resource ?? 'pods',
    subresource: o.subresource ?? '',
    namespace: o.namespace ?? 'ns1',
    name: o.name ?? String(object['metadata']?.['name'] ?? ''),
    object,
    oldObject: o.oldObject,
    user: { name: 'admin', groups: ['system:masters'] },
    dryRun: false,
    warnings: [],
  };
}

/** Runs the plugin as the admission chain would (if it handles the operation): admit, then validate. Returns the error message, or undefined. */
async function run(p: AdmissionPlugin, req: AdmissionRequest): Promise<string | undefined> {
  if (p.handles && !p.handles(req.operation)) return undefined;
  try {
    await p.admit?.(req);
    await p.validate?.(req);
    return undefined;
  } catch (e) {
    if (!(e instanceof StatusError)) throw e;
    expect(e.code).toBe(403);
    return e.message;
  }
}

const clone = <T>(v: T): T => structuredClone(v);
const pod = (spec: Obj, meta: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns1', ...meta }, spec });
const sa = (name: string, extra: Obj = {}, meta: Obj = {}): [string, string, Obj] => [
  '',
  'serviceaccounts',
  { metadata: { name, namespace: 'ns1', ...meta }, ...extra },
];
const MOUNT = { name: 'kube-api-access-abcde', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
const TOKEN_VOLUME = { name: 'kube-api-access-abcde', projected: tokenVolumeSource() };

describe('ServiceAccount', () => {
  const reader = memReader([
    sa('default', { imagePullSecrets: [{ name: 'regcred' }] }),
    sa('nomount', { automountServiceAccountToken: false }),
    sa('strict', { secrets: [{ name: 'ok' }] }, { annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } }),
  ]);
  const plugin = serviceAccountPlugin(reader, { generateName: (b) => `${b}abcde` });

  it('has the projected token source upstream mounts', () => {
    expect(tokenVolumeSource()).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
  });

  it.each<[string, Obj, ReqOpts, Obj | undefined, string | undefined]>([
    [
      'defaults SA, mounts token in init and app containers, copies pull secrets',
      pod({ initContainers: [{ name: 'i', image: 'x' }], containers: [{ name: 'c', image: 'x' }] }),
      {},
      pod({
        initContainers: [{ name: 'i', image: 'x', volumeMounts: [MOUNT] }],
        containers: [{ name: 'c', image: 'x', volumeMounts: [MOUNT] }],
        serviceAccountName: 'default',
        volumes: [TOKEN_VOLUME],
        imagePullSecrets: [{ name: 'regcred' }],
      }),
      undefined,
    ],
    [
      'missing SA',
      pod({ serviceAccountName: 'missing', containers: [{ name: 'c' }] }),
      {},
      undefined,
      'pods "p" is forbidden: error looking up service account ns1/missing: serviceaccount "missing" not found',
    ],
    [
      'missing default SA in another namespace, named after generateName',
      pod({ containers: [{ name: 'c' }] }, { name: undefined, generateName: 'web-', namespace: 'other' }),
      { namespace: 'other', name: '' },
      undefined,
      'pods "web-" is forbidden: error looking up service account other/default: serviceaccount "default" not found',
    ],
    [
      'pod opts out of automount',
      pod({ automountServiceAccountToken: false, imagePullSecrets: [{ name: 'mine' }], containers: [{ name: 'c' }] }),
      {},
      pod({ automountServiceAccountToken: false, imagePullSecrets: [{ name: 'mine' }], containers: [{ name: 'c' }], serviceAccountName: 'default' }),
      undefined,
    ],
    [
      'SA opts out of automount',
      pod({ serviceAccountName: 'nomount', containers: [{ name: 'c' }] }),
      {},
      pod({ serviceAccountName: 'nomount', containers: [{ name: 'c' }] }),
      undefined,
    ],
    [
      'pod opt-in overrides the SA',
      pod({ serviceAccountName: 'nomount', automountServiceAccountToken: true, containers: [{ name: 'c' }] }),
      {},
      pod({ serviceAccountName: 'nomount', automountServiceAccountToken: true, containers: [{ name: 'c', volumeMounts: [MOUNT] }], volumes: [TOKEN_VOLUME] }),
      undefined,
    ],
    [
      'containers already mounting the path are left alone; no volume when none needs it',
      pod({ serviceAccountName: 'nomount', automountServiceAccountToken: true, containers: [{ name: 'c', volumeMounts: [{ name: 'own', mountPath: MOUNT.mountPath }] }] }),
      {},
      pod({ serviceAccountName: 'nomount', automountServiceAccountToken: true, containers: [{ name: 'c', volumeMounts: [{ name: 'own', mountPath: MOUNT.mountPath }] }] }),
      undefined,
    ],
    [
      'an existing kube-api-access volume is reused',
      pod({ serviceAccountName: 'nomount', automountServiceAccountToken: true, volumes: [{ name: 'kube-api-access-zzzzz', emptyDir: {} }], containers: [{ name: 'c' }] }),
      {},
      pod({
        serviceAccountName: 'nomount',
        automountServiceAccountToken: true,
        volumes: [{ name: 'kube-api-access-zzzzz', emptyDir: {} }],
        containers: [{ name: 'c', volumeMounts: [{ ...MOUNT, name: 'kube-api-access-zzzzz' }] }],
      }),
      undefined,
    ],
    [
      'mirror pod left alone',
      pod({ containers: [{ name: 'c' }] }, { annotations: { 'kubernetes.io/config.mirror': 'x' } }),
      {},
      pod({ containers: [{ name: 'c' }] }, { annotations: { 'kubernetes.io/config.mirror': 'x' } }),
      undefined,
    ],
    [
      'mirror pod naming an SA',
      pod({ serviceAccountName: 'default', containers: [{ name: 'c' }] }, { annotations: { 'kubernetes.io/config.mirror': 'x' } }),
      {},
      undefined,
      'pods "p" is forbidden: a mirror pod may not reference service accounts',
    ],
    [
      'mirror pod with a secret env',
      pod({ containers: [{ name: 'c', envFrom: [{ secretRef: { name: 's' } }] }] }, { annotations: { 'kubernetes.io/config.mirror': 'x' } }),
      {},
      undefined,
      'pods "p" is forbidden: a mirror pod may not reference secrets',
    ],
    [
      'mirror pod with a token projection',
      pod({ containers: [{ name: 'c' }], volumes: [{ name: 'v', projected: tokenVolumeSource() }] }, { annotations: { 'kubernetes.io/config.mirror': 'x' } }),
      {},
      undefined,
      'pods "p" is forbidden: a mirror pod may not use ServiceAccountToken volume projections',
    ],
    [
      'enforce-mountable-secrets refuses an unlisted secret volume',
      pod({ serviceAccountName: 'strict', containers: [{ name: 'c' }], volumes: [{ name: 'v', secret: { secretName: 'other' } }] }),
      {},
      undefined,
      'pods "p" is forbidden: volume with secret.secretName="other" is not allowed because service account strict does not reference that secret',
    ],
    [
      'enforce-mountable-secrets refuses an unlisted env secret',
      pod({ serviceAccountName: 'strict', containers: [{ name: 'c', env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }] }] }),
      {},
      undefined,
      'pods "p" is forbidden: container c with envVar E referencing secret.secretName="other" is not allowed because service account strict does not reference that secret',
    ],
    [
      'enforce-mountable-secrets allows a listed secret',
      pod({ serviceAccountName: 'strict', automountServiceAccountToken: false, containers: [{ name: 'c' }], volumes: [{ name: 'v', secret: { secretName: 'ok' } }] }),
      {},
      pod({ serviceAccountName: 'strict', automountServiceAccountToken: false, containers: [{ name: 'c' }], volumes: [{ name: 'v', secret: { secretName: 'ok' } }] }),
      undefined,
    ],
    ['updates are not handled', pod({ containers: [{ name: 'c' }] }), { operation: 'UPDATE' }, pod({ containers: [{ name: 'c' }] }), undefined],
    ['subresources are ignored', pod({ containers: [{ name: 'c' }] }), { subresource: 'status' }, pod({ containers: [{ name: 'c' }] }), undefined],
  ])('%s', async (_name, obj, opts, want, wantErr) => {
    const req = request(clone(obj), opts);
    expect(await run(plugin, req)).toBe(wantErr);
    if (want) expect(req.object).toEqual(want);
  });

  it('generates a kube-api-access-<5 chars> name by default', async () => {
    const req = request(pod({ containers: [{ name: 'c' }] }));
    await run(serviceAccountPlugin(reader), req);
    const vol = req.object!['spec']['volumes'][0];
    expect(vol.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(req.object!['spec']['containers'][0].volumeMounts[0].name).toBe(vol.name);
  });
});

describe('LimitRanger', () => {
  // Stored LimitRanges are defaulted: defaultRequest ← default ← max, defaultRequest ← min.
  const lr = (name: string, limits: Obj[], ns = 'ns1'): [string, string, Obj] => ['', 'limitranges', { metadata: { name, namespace: ns }, spec: { limits } }];
  const plugin = (...lrs: [string, string, Obj][]) => limitRangerPlugin(memReader(lrs));
  const ANN = 'kubernetes.io/limit-ranger';

  it.each<[string, [string, string, Obj][], Obj, Obj, string | undefined]>([
    [
      'defaults requests and limits, annotates',
      [lr('a', [{ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '250m', memory: '64Mi' } }])],
      pod({ containers: [{ name: 'c' }] }),
      pod(
        { containers: [{ name: 'c', resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } } }] },
        { annotations: { [ANN]: 'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c' } },
      ),
      undefined,
    ],
    [
      'only what is missing, init containers too',
      [lr('a', [{ type: 'Container', default: { cpu: '1' }, defaultRequest: { cpu: '1' } }])],
      pod({ initContainers: [{ name: 'i' }], containers: [{ name: 'c', resources: { limits: { cpu: '2' } } }] }),
      pod(
        { initContainers: [{ name: 'i', resources: { limits: { cpu: '1' }, requests: { cpu: '1' } } }], containers: [{ name: 'c', resources: { limits: { cpu: '2' }, requests: { cpu: '1' } } }] },
        { annotations: { [ANN]: 'LimitRanger plugin set: cpu request for container c; cpu request for init container i; cpu limit for init container i' } },
      ),
      undefined,
    ],
    [
      'nothing to default leaves the pod alone',
      [lr('a', [{ type: 'Pod', max: { cpu: '4' } }])],
      pod({ containers: [{ name: 'c', resources: { limits: { cpu: '1' } } }] }),
      pod({ containers: [{ name: 'c', resources: { limits: { cpu: '1' } } }] }),
      undefined,
    ],
    [
      'container max on the limit',
      [lr('a', [{ type: 'Container', max: { cpu: '2' } }])],
      pod({ containers: [{ name: 'c', resources: { limits: { cpu: '3' }, requests: { cpu: '1' } } }] }),
      {},
      'pods "p" is forbidden: maximum cpu usage per Container is 2, but limit is 3',
    ],
    [
      'container max without a limit',
      [lr('a', [{ type: 'Container', max: { memory: '1Gi' } }])],
      pod({ containers: [{ name: 'c', resources: { requests: { memory: '10Mi' } } }] }),
      {},
      'pods "p" is forbidden: maximum memory usage per Container is 1Gi.  No limit is specified',
    ],
    [
      'container min on the request',
      [lr('a', [{ type: 'Container', min: { memory: '10Mi' } }])],
      pod({ containers: [{ name: 'c', resources: { requests: { memory: '5Mi' } } }] }),
      {},
      'pods "p" is forbidden: minimum memory usage per Container is 10Mi, but request is 5Mi',
    ],
    [
      'two violations are listed',
      [lr('a', [{ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' } }])],
      pod({ containers: [{ name: 'c', resources: { requests: { cpu: '50m' }, limits: { cpu: '2' } } }] }),
      {},
      'pods "p" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum cpu usage per Container is 1, but limit is 2]',
    ],
    [
      'limit/request ratio',
      [lr('a', [{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }])],
      pod({ containers: [{ name: 'c', resources: { requests: { cpu: '250m' }, limits: { cpu: '1' } } }] }),
      {},
      'pods "p" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000',
    ],
    [
      'ratio without a request',
      [lr('a', [{ type: 'Container', maxLimitRequestRatio: { memory: '2' } }])],
      pod({ containers: [{ name: 'c', resources: { limits: { memory: '1Gi' } } }] }),
      {},
      'pods "p" is forbidden: memory max limit to request ratio per Container is 2, but no request is specified or request is 0',
    ],
    [
      'ratio within bounds',
      [lr('a', [{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }])],
      pod({ containers: [{ name: 'c', resources: { requests: { cpu: '500m' }, limits: { cpu: '1' } } }] }),
      pod({ containers: [{ name: 'c', resources: { requests: { cpu: '500m' }, limits: { cpu: '1' } } }] }),
      undefined,
    ],
    [
      'defaults from the defaulted LimitRange then pass the max',
      [lr('a', [{ type: 'Container', max: { cpu: '2' }, default: { cpu: '2' }, defaultRequest: { cpu: '2' } }])],
      pod({ containers: [{ name: 'c' }] }),
      pod(
        { containers: [{ name: 'c', resources: { limits: { cpu: '2' }, requests: { cpu: '2' } } }] },
        { annotations: { [ANN]: 'LimitRanger plugin set: cpu request for container c; cpu limit for container c' } },
      ),
      undefined,
    ],
    [
      'pod max is on the sum of the containers',
      [lr('a', [{ type: 'Pod', max: { cpu: '1' } }])],
      pod({ containers: [{ name: 'a', resources: { limits: { cpu: '600m' } } }, { name: 'b', resources: { limits: { cpu: '600m' } } }] }),
      {},
      'pods "p" is forbidden: maximum cpu usage per Pod is 1, but limit is 1200m',
    ],
    [
      'pod total counts sidecars and the largest init container',
      [lr('a', [{ type: 'Pod', max: { memory: '1Gi' } }])],
      pod({
        initContainers: [
          { name: 'side', restartPolicy: 'Always', resources: { limits: { memory: '256Mi' } } },
          { name: 'big', resources: { limits: { memory: '900Mi' } } },
        ],
        containers: [{ name: 'c', resources: { limits: { memory: '512Mi' } } }],
      }),
      {},
      'pods "p" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1156Mi',
    ],
    [
      'a LimitRange in another namespace does not apply',
      [lr('a', [{ type: 'Container', max: { cpu: '1' } }], 'other')],
      pod({ containers: [{ name: 'c', resources: { limits: { cpu: '3' } } }] }),
      pod({ containers: [{ name: 'c', resources: { limits: { cpu: '3' } } }] }),
      undefined,
    ],
  ])('pod: %s', async (_name, lrs, obj, want, wantErr) => {
    const req = request(clone(obj));
    expect(await run(plugin(...lrs), req)).toBe(wantErr);
    if (!wantErr) expect(req.object).toEqual(want);
  });

  it('skips pod updates and subresources', async () => {
    const p = plugin(lr('a', [{ type: 'Container', max: { cpu: '1' }, default: { cpu: '1' } }]));
    const obj = pod({ containers: [{ name: 'c', resources: { limits: { cpu: '3' } } }] });
    expect(await run(p, request(clone(obj), { operation: 'UPDATE', oldObject: clone(obj) }))).toBeUndefined();
    expect(await run(p, request(clone(obj), { subresource: 'status' }))).toBeUndefined();
    expect(await run(p, request(clone(obj)))).toBe('pods "p" is forbidden: maximum cpu usage per Container is 1, but limit is 3');
  });

  const pvc = (storage?: string): Obj => ({
    metadata: { name: 'data', namespace: 'ns1' },
    spec: { accessModes: ['ReadWriteOnce'], resources: storage ? { requests: { storage } } : {} },
  });
  const pvcRange = lr('s', [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }]);
  it.each<[string, Obj, Obj | undefined, string | undefined]>([
    ['within bounds', pvc('5Gi'), undefined, undefined],
    ['over the max', pvc('20Gi'), undefined, 'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi'],
    ['under the min', pvc('500Mi'), undefined, 'persistentvolumeclaims "data" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi'],
    [
      'no request',
      pvc(),
      undefined,
      'persistentvolumeclaims "data" is forbidden: [minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified, maximum storage usage per PersistentVolumeClaim is 10Gi.  No request is specified]',
    ],
    ['update keeping a request the range no longer allows', pvc('20Gi'), pvc('20Gi'), undefined],
    ['update growing past the max', pvc('30Gi'), pvc('20Gi'), 'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 30Gi'],
  ])('pvc: %s', async (_name, obj, old, wantErr) => {
    const req = request(clone(obj), { kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', operation: old ? 'UPDATE' : 'CREATE', oldObject: old });
    expect(await run(plugin(pvcRange), req)).toBe(wantErr);
  });

  it.each<[bigint, bigint, string]>([
    [4n, 1n, '4.000000'],
    [1n, 3n, '0.333333'],
    [2n, 3n, '0.666667'],
    [5n, 2_000_000n, '0.000002'], // 2.5e-6 rounds half to even
    [7n, 2_000_000n, '0.000004'], // 3.5e-6 rounds half to even (up)
  ])('ratioString(%s, %s) = %s', (n, d, want) => {
    expect(ratioString(n, d)).toBe(want);
  });
});

describe('DefaultStorageClass', () => {
  const sc = (name: string, created: string, isDefault: boolean | 'beta'): [string, string, Obj] => [
    'storage.k8s.io',
    'storageclasses',
    {
      metadata: {
        name,
        creationTimestamp: created,
        annotations: isDefault === 'beta' ? { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } : { 'storageclass.kubernetes.io/is-default-class': String(isDefault) },
      },
      provisioner: 'x',
    },
  ];
  const claim = (spec: Obj = {}, annotations?: Obj): Obj => ({ metadata: { name: 'data', namespace: 'ns1', ...(annotations ? { annotations } : {}) }, spec });

  it.each<[string, [string, string, Obj][], Obj, string | undefined | null]>([
    ['no default class', [sc('a', '2024-01-01T00:00:00Z', false)], claim(), undefined],
    ['one default', [sc('a', '2024-01-01T00:00:00Z', false), sc('std', '2024-01-01T00:00:00Z', true)], claim(), 'std'],
    ['newest default wins', [sc('old', '2024-01-01T00:00:00Z', true), sc('new', '2024-02-01T00:00:00Z', true)], claim(), 'new'],
    ['same age: smallest name', [sc('b', '2024-01-01T00:00:00Z', true), sc('a', '2024-01-01T00:00:00Z', true)], claim(), 'a'],
    ['beta annotation marks a default', [sc('beta', '2024-01-01T00:00:00Z', 'beta')], claim(), 'beta'],
    ['explicit class kept', [sc('std', '2024-01-01T00:00:00Z', true)], claim({ storageClassName: 'fast' }), 'fast'],
    ['explicit empty class kept', [sc('std', '2024-01-01T00:00:00Z', true)], claim({ storageClassName: '' }), ''],
    ['beta claim annotation counts as a class', [sc('std', '2024-01-01T00:00:00Z', true)], claim({}, { 'volume.beta.kubernetes.io/storage-class': 'x' }), undefined],
  ])('%s', async (_name, classes, obj, want) => {
    const req = request(clone(obj), { kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims' });
    expect(await run(defaultStorageClassPlugin(memReader(classes)), req)).toBeUndefined();
    expect(req.object!['spec']['storageClassName']).toBe(want);
  });

  it('does not touch updates', async () => {
    const req = request(claim(), { operation: 'UPDATE', kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims' });
    await run(defaultStorageClassPlugin(memReader([sc('std', '2024-01-01T00:00:00Z', true)])), req);
    expect(req.object!['spec']['storageClassName']).toBeUndefined();
  });
});

describe('DefaultTolerationSeconds', () => {
  const NR = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
  const UR = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
  it.each<[string, Obj[] | undefined, Obj[]]>([
    ['none', undefined, [NR, UR]],
    ['unrelated toleration kept', [{ key: 'gpu', operator: 'Exists' }], [{ key: 'gpu', operator: 'Exists' }, NR, UR]],
    ['own not-ready toleration', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }], [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }, UR]],
    ['any-effect unreachable toleration', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }], [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }, NR]],
    ['tolerate everything', [{ operator: 'Exists' }], [{ operator: 'Exists' }]],
    ['NoSchedule does not count', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }], [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }, NR, UR]],
  ])('%s', async (_name, tolerations, want) => {
    const req = request(pod({ containers: [{ name: 'c' }], ...(tolerations ? { tolerations: clone(tolerations) } : {}) }));
    expect(await run(defaultTolerationSecondsPlugin(), req)).toBeUndefined();
    expect(req.object!['spec']['tolerations']).toEqual(want);
  });

  it('ignores other resources and subresources', async () => {
    const req = request(pod({ containers: [{ name: 'c' }] }), { subresource: 'status' });
    await run(defaultTolerationSecondsPlugin(), req);
    expect(req.object!['spec']['tolerations']).toBeUndefined();
  });
});

describe('TaintNodesByCondition', () => {
  const notReady = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
  it.each<[string, Obj[] | undefined, Obj[]]>([
    ['no taints', undefined, [notReady]],
    ['other taints kept, not-ready appended', [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, notReady]],
    ['already there (any value)', [{ key: 'node.kubernetes.io/not-ready', value: 'x', effect: 'NoSchedule' }], [{ key: 'node.kubernetes.io/not-ready', value: 'x', effect: 'NoSchedule' }]],
    ['NoExecute of the same key is another taint', [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }], [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }, notReady]],
  ])('node create: %s', async (_name, taints, want) => {
    const node: Obj = { metadata: { name: 'n1' }, spec: taints ? { taints } : {} };
    expect(await run(taintNodesByConditionPlugin(), request(node, { kind: 'Node', resource: 'nodes', namespace: '' }))).toBeUndefined();
    expect(node['spec']['taints']).toEqual(want);
  });

  it('leaves updates, status and other resources alone', async () => {
    const p = taintNodesByConditionPlugin();
    const upd: Obj = { metadata: { name: 'n1' }, spec: {} };
    await run(p, request(upd, { operation: 'UPDATE', kind: 'Node', resource: 'nodes', namespace: '' }));
    const status: Obj = { metadata: { name: 'n1' }, spec: {} };
    await run(p, request(status, { kind: 'Node', resource: 'nodes', subresource: 'status', namespace: '' }));
    const pod: Obj = { metadata: { name: 'p' }, spec: {} };
    await run(p, request(pod));
    expect([upd['spec']['taints'], status['spec']['taints'], pod['spec']['taints']]).toEqual([undefined, undefined, undefined]);
  });
});

describe('Priority', () => {
  const pc = (name: string, value: number, extra: Obj = {}): [string, string, Obj] => [
    'scheduling.k8s.io',
    'priorityclasses',
    { metadata: { name }, value, preemptionPolicy: 'PreemptLowerPriority', ...extra },
  ];
  const classes = [pc('high', 1000), pc('never', 50, { preemptionPolicy: 'Never' })];
  const withDefaults = [...classes, pc('dflt-b', 20, { globalDefault: true }), pc('dflt-a', 10, { globalDefault: true, preemptionPolicy: 'Never' })];

  it.each<[string, [string, string, Obj][], Obj, Obj | undefined, string | undefined]>([
    ['no class, no default', classes, { containers: [] }, { containers: [], priority: 0, preemptionPolicy: 'PreemptLowerPriority' }, undefined],
    [
      'global default (the lowest of two)',
      withDefaults,
      { containers: [] },
      { containers: [], priorityClassName: 'dflt-a', priority: 10, preemptionPolicy: 'Never' },
      undefined,
    ],
    ['named class', withDefaults, { priorityClassName: 'high' }, { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'PreemptLowerPriority' }, undefined],
    ['named class with Never', classes, { priorityClassName: 'never' }, { priorityClassName: 'never', priority: 50, preemptionPolicy: 'Never' }, undefined],
    [
      'system class without its object',
      [],
      { priorityClassName: 'system-node-critical' },
      { priorityClassName: 'system-node-critical', priority: 2000001000, preemptionPolicy: 'PreemptLowerPriority' },
      undefined,
    ],
    [
      'system class outside kube-system is allowed',
      [],
      { priorityClassName: 'system-cluster-critical' },
      { priorityClassName: 'system-cluster-critical', priority: 2000000000, preemptionPolicy: 'PreemptLowerPriority' },
      undefined,
    ],
    ['unknown class', classes, { priorityClassName: 'nope' }, undefined, 'pods "p" is forbidden: no PriorityClass with name nope was found'],
    ['matching priority given', classes, { priorityClassName: 'high', priority: 1000 }, { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'PreemptLowerPriority' }, undefined],
    [
      'differing priority given',
      classes,
      { priorityClassName: 'high', priority: 5 },
      undefined,
      'pods "p" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    ],
    [
      'differing preemptionPolicy given',
      classes,
      { priorityClassName: 'never', preemptionPolicy: 'PreemptLowerPriority' },
      undefined,
      'pods "p" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name',
    ],
  ])('pod create: %s', async (_name, pcs, spec, wantSpec, wantErr) => {
    const req = request(pod(clone(spec)));
    expect(await run(priorityPlugin(memReader(pcs)), req)).toBe(wantErr);
    if (wantSpec) expect(req.object!['spec']).toEqual(wantSpec);
  });

  it('keeps the stored priority on pod update', async () => {
    const old = pod({ priorityClassName: 'high', priority: 1000, preemptionPolicy: 'PreemptLowerPriority' });
    const req = request(pod({ priorityClassName: 'high' }), { operation: 'UPDATE', oldObject: old });
    expect(await run(priorityPlugin(memReader(classes)), req)).toBeUndefined();
    expect(req.object!['spec']).toEqual({ priorityClassName: 'high', priority: 1000, preemptionPolicy: 'PreemptLowerPriority' });
  });

  const pcReq = (obj: Obj, operation: AdmissionRequest['operation'] = 'CREATE') =>
    request(obj, { operation, group: 'scheduling.k8s.io', kind: 'PriorityClass', resource: 'priorityclasses', namespace: '' });
  it.each<[string, [string, string, Obj][], Obj, AdmissionRequest['operation'], string | undefined]>([
    ['first default', classes, { metadata: { name: 'new' }, value: 1, globalDefault: true }, 'CREATE', undefined],
    [
      'second default',
      [...classes, pc('dflt', 1, { globalDefault: true })],
      { metadata: { name: 'new' }, value: 1, globalDefault: true },
      'CREATE',
      'priorityclasses.scheduling.k8s.io "new" is forbidden: PriorityClass dflt is already marked as default. Only one default can exist',
    ],
    [
      'marking another class default',
      [...classes, pc('dflt', 1, { globalDefault: true })],
      { metadata: { name: 'high' }, value: 1000, globalDefault: true },
      'UPDATE',
      'priorityclasses.scheduling.k8s.io "high" is forbidden: PriorityClass dflt is already marked as default. Only one default can exist',
    ],
    ['updating the default itself', [...classes, pc('dflt', 1, { globalDefault: true })], { metadata: { name: 'dflt' }, value: 1, globalDefault: true, description: 'x' }, 'UPDATE', undefined],
    ['non-default class', [...classes, pc('dflt', 1, { globalDefault: true })], { metadata: { name: 'new' }, value: 1 }, 'CREATE', undefined],
  ])('priorityclass: %s', async (_name, pcs, obj, op, wantErr) => {
    expect(await run(priorityPlugin(memReader(pcs)), pcReq(obj, op))).toBe(wantErr);
  });
});
