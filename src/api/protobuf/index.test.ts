// Tests of the Kubernetes protobuf codec against hand-built wire bytes shaped the way kubectl's gogo encoder writes them.

import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodeProtobufObject,
  encodeMessage,
  encodeProtobufObject,
  formatDuration,
  isProtobufMediaType,
  messageNameFor,
  parseDuration,
} from './index.js';
import { Writer } from './wire.js';

// ---- a tiny hand-written wire builder, independent of the encoder under test ----------------------------------------
type F = [no: number, kind: 's' | 'v' | 'm' | 'b', value: string | number | bigint | Uint8Array | F[]];
function msg(...fields: F[]): Uint8Array {
  const w = new Writer();
  for (const [no, kind, value] of fields) {
    if (kind === 'v') w.key(no, 0).varint(value as number | bigint);
    else if (kind === 's') w.key(no, 2).string(value as string);
    else if (kind === 'b') w.key(no, 2).bytes(value as Uint8Array);
    else w.key(no, 2).bytes(msg(...(value as F[])));
  }
  return w.finish();
}
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const unknown = msg([1, 'm', [[1, 's', apiVersion], [2, 's', kind]]], [2, 'b', raw], [3, 's', ''], [4, 's', '']);
  const out = new Uint8Array(4 + unknown.length);
  out.set([0x6b, 0x38, 0x73, 0x00]);
  out.set(unknown, 4);
  return out;
}
/** ObjectMeta as gogo writes it: every non-pointer field present, zero or not. */
function objectMeta(name: string, namespace = '', extra: F[] = []): F[] {
  return [
    [1, 's', name], [2, 's', ''], [3, 's', namespace], [4, 's', ''], [5, 's', ''], [6, 's', ''], [7, 'v', 0],
    [8, 'm', []], ...extra,
  ];
}
const entry = (k: string, v: F): F => [0, 'm', [[1, 's', k], [2, v[1], v[2]]]];
const mapField = (no: number, entries: F[]): F[] => entries.map((e) => [no, e[1], e[2]]);
const quantity = (s: string): F[] => [[1, 's', s]];

const namespaceBytes = envelope('v1', 'Namespace', msg([1, 'm', objectMeta('demo')], [2, 'm', []], [3, 'm', [[1, 's', '']]]));

const secretBytes = envelope(
  'v1',
  'Secret',
  msg(
    [1, 'm', objectMeta('creds', 'default', mapField(11, [entry('app', [2, 's', 'web'])]))],
    ...mapField(2, [
      entry('bin', [2, 'b', Uint8Array.of(0, 1, 2, 0xff)]),
      entry('password', [2, 'b', new TextEncoder().encode('s3cr3t')]),
    ]),
    [3, 's', 'Opaque'],
  ),
);

const deploymentBytes = envelope(
  'apps/v1',
  'Deployment',
  msg(
    [1, 'm', objectMeta('web', 'default', mapField(11, [entry('app', [2, 's', 'web'])]))],
    [
      2,
      'm',
      [
        [1, 'v', 0], // replicas: *int32 set to 0
        [2, 'm', mapField(1, [entry('app', [2, 's', 'web'])])],
        [
          3,
          'm',
          [
            [1, 'm', objectMeta('', '', mapField(11, [entry('app', [2, 's', 'web'])]))],
            [
              2,
              'm',
              [
                [
                  2,
                  'm',
                  [
                    [1, 's', 'nginx'],
                    [2, 's', 'nginx:1.27'],
                    [3, 's', 'nginx'],
                    [3, 's', '-g'],
                    [5, 's', ''],
                    [6, 'm', [[1, 's', ''], [2, 'v', 0], [3, 'v', 80], [4, 's', 'TCP'], [5, 's', '']]],
                    [
                      8,
                      'm',
                      [
                        ...mapField(1, [entry('cpu', [2, 'm', quantity('500m')]), entry('memory', [2, 'm', quantity('128Mi')])]),
                        ...mapField(2, [entry('cpu', [2, 'm', quantity('250m')])]),
                      ],
                    ],
                    [13, 's', ''],
                    [14, 's', 'IfNotPresent'],
                    [16, 'v', 0],
                    [17, 'v', 0],
                    [18, 'v', 0],
                  ],
                ],
                [3, 's', ''],
                [11, 'v', 0],
                [21, 'v', 0], // automountServiceAccountToken: *bool false
              ],
            ],
          ],
        ],
        [4, 'm', [[1, 's', '']]],
        [5, 'v', 0],
        [7, 'v', 0],
      ],
    ],
    [3, 'm', [[1, 'v', 0]]],
  ),
);

const serviceBytes = envelope(
  'v1',
  'Service',
  msg(
    [1, 'm', objectMeta('web', 'default')],
    [
      2,
      'm',
      [
        [1, 'm', [[1, 's', '80-8080'], [2, 's', 'TCP'], [3, 'v', 80], [4, 'm', [[1, 'v', 0], [2, 'v', 8080], [3, 's', '']]], [5, 'v', 0]]],
        [1, 'm', [[1, 's', 'metrics'], [2, 's', 'TCP'], [3, 'v', 9090], [4, 'm', [[1, 'v', 1], [2, 'v', 0], [3, 's', 'http-metrics']]]]],
        [1, 'm', [[1, 's', 'z'], [3, 'v', 81], [4, 'm', []]]],
        ...mapField(2, [entry('app', [2, 's', 'web'])]),
        [3, 's', ''],
        [4, 's', 'ClusterIP'],
      ],
    ],
    [3, 'm', [[1, 'm', []]]],
  ),
);

describe('decodeProtobufObject', () => {
  const cases: Array<{ name: string; body: Uint8Array; want: Record<string, unknown> }> = [
    {
      name: 'kubectl create namespace demo',
      body: namespaceBytes,
      want: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', creationTimestamp: null }, spec: {}, status: {} },
    },
    {
      name: 'secret with binary data and type',
      body: secretBytes,
      want: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'creds', namespace: 'default', creationTimestamp: null, labels: { app: 'web' } },
        data: { bin: 'AAEC/w==', password: 'czNjcjN0' },
        type: 'Opaque',
      },
    },
    {
      name: 'deployment with replicas 0, selector, containers, ports and quantities',
      body: deploymentBytes,
      want: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default', creationTimestamp: null, labels: { app: 'web' } },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { creationTimestamp: null, labels: { app: 'web' } },
            spec: {
              containers: [
                {
                  name: 'nginx',
                  image: 'nginx:1.27',
                  command: ['nginx', '-g'],
                  ports: [{ containerPort: 80, protocol: 'TCP' }],
                  resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } },
                  imagePullPolicy: 'IfNotPresent',
                },
              ],
              automountServiceAccountToken: false,
            },
          },
          strategy: {},
        },
        status: {},
      },
    },
    {
      name: 'service ports with IntOrString targetPort (int, string, zero)',
      body: serviceBytes,
      want: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default', creationTimestamp: null },
        spec: {
          ports: [
            { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
            { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 'http-metrics' },
            { name: 'z', port: 81, targetPort: 0 },
          ],
          selector: { app: 'web' },
          type: 'ClusterIP',
        },
        status: { loadBalancer: {} },
      },
    },
    {
      name: 'eviction with deleteOptions gracePeriodSeconds 0 (drain --grace-period=0)',
      body: envelope('policy/v1', 'Eviction', msg([1, 'm', objectMeta('p1', 'ns1')], [2, 'm', [[1, 'v', 0], [5, 's', 'All']]])),
      want: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: 'p1', namespace: 'ns1', creationTimestamp: null },
        deleteOptions: { gracePeriodSeconds: 0, dryRun: ['All'] },
      },
    },
    {
      name: 'token request with int64 expiration, bound object ref (uid json name) and a required empty token',
      body: envelope(
        'authentication.k8s.io/v1',
        'TokenRequest',
        msg(
          [1, 'm', objectMeta('default', 'ns1')],
          [2, 'm', [[1, 's', 'https://kubernetes.default.svc'], [4, 'v', 3600], [3, 'm', [[1, 's', 'Pod'], [2, 's', 'v1'], [3, 's', 'p'], [4, 's', 'abc']]]]],
          [3, 'm', [[1, 's', ''], [2, 'm', []]]],
        ),
      ),
      want: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: { name: 'default', namespace: 'ns1', creationTimestamp: null },
        spec: {
          audiences: ['https://kubernetes.default.svc'],
          expirationSeconds: 3600,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'abc' },
        },
        status: { token: '', expirationTimestamp: null },
      },
    },
    {
      name: 'subject access review with resource attributes and the extra list wrapper',
      body: envelope(
        'authorization.k8s.io/v1',
        'SubjectAccessReview',
        msg(
          [1, 'm', objectMeta('')],
          [
            2,
            'm',
            [
              [1, 'm', [[1, 's', 'default'], [2, 's', 'list'], [3, 's', ''], [5, 's', 'pods']]],
              [3, 's', 'alice'],
              [4, 's', 'dev'],
              [5, 'm', [[1, 's', 'scopes'], [2, 'm', [[1, 's', 'a'], [1, 's', 'b']]]]],
            ],
          ],
          [3, 'm', [[1, 'v', 0]]],
        ),
      ),
      want: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        metadata: { creationTimestamp: null },
        spec: {
          resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' },
          user: 'alice',
          groups: ['dev'],
          extra: { scopes: ['a', 'b'] },
        },
        status: { allowed: false },
      },
    },
    {
      name: 'a Time with nanos is truncated to seconds; inline LocalObjectReference is flattened',
      body: envelope(
        'v1',
        'Pod',
        msg(
          [1, 'm', [[1, 's', 'p'], [8, 'm', [[1, 'v', 1704164645], [2, 'v', 500]]], [9, 'm', [[1, 'v', 1704164700]]]]],
          [
            2,
            'm',
            [
              [2, 'm', [[1, 's', 'c'], [7, 'm', [[1, 's', 'PW'], [3, 'm', [[4, 'm', [[1, 'm', [[1, 's', 'db']]], [2, 's', 'pw'], [3, 'v', 0]]]]]]]]],
              [1, 'm', [[1, 's', 'v'], [2, 'm', [[1, 'm', [[1, 's', '/data']]]]]]],
            ],
          ],
        ),
      ),
      want: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', creationTimestamp: '2024-01-02T03:04:05Z', deletionTimestamp: '2024-01-02T03:05:00Z' },
        spec: {
          containers: [{ name: 'c', env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'pw', optional: false } } }] }],
          volumes: [{ name: 'v', hostPath: { path: '/data' } }],
        },
      },
    },
    {
      name: 'a MicroTime keeps microseconds (Lease renewTime)',
      body: envelope(
        'coordination.k8s.io/v1',
        'Lease',
        msg([1, 'm', [[1, 's', 'l']]], [2, 'm', [[1, 's', 'me'], [2, 'v', 15], [4, 'm', [[1, 'v', 1704164645], [2, 'v', 123456789]]]]]),
      ),
      want: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'l' },
        spec: { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: '2024-01-02T03:04:05.123456Z' },
      },
    },
    {
      name: 'fields the schema does not know are skipped',
      body: envelope('v1', 'ConfigMap', msg([1, 'm', [[1, 's', 'cm'], [99, 's', 'x']]], [2, 'm', [[1, 's', 'k'], [2, 's', 'v']]], [77, 'v', 5])),
      want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { k: 'v' } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(decodeProtobufObject(c.body)).toStrictEqual(c.want);
    });
  }

  const errors: Array<{ name: string; body: Uint8Array; message: RegExp }> = [
    { name: 'empty body', body: new Uint8Array(0), message: /empty data/ },
    { name: 'json body', body: new TextEncoder().encode('{"kind":"Pod"}'), message: /expected prefix \[107 56 115 0\]/ },
    { name: 'magic only', body: Uint8Array.of(0x6b, 0x38, 0x73, 0), message: /empty body/ },
    { name: 'truncated namespace', body: namespaceBytes.subarray(0, namespaceBytes.length - 3), message: /unexpected EOF/ },
    { name: 'truncated deployment', body: deploymentBytes.subarray(0, 60), message: /unexpected EOF/ },
    { name: 'unknown kind', body: envelope('v1', 'Foo', new Uint8Array(0)), message: /^no kind "Foo" is registered for version "v1"$/ },
    { name: 'unserved version', body: envelope('apps/v2', 'Deployment', new Uint8Array(0)), message: /version "apps\/v2"/ },
    { name: 'missing kind', body: envelope('v1', '', new Uint8Array(0)), message: /'Kind' is missing/ },
    { name: 'wrong wire type', body: envelope('v1', 'Namespace', msg([1, 'v', 3])), message: /wrong wireType = 0 for field metadata/ },
  ];
  for (const c of errors) {
    it(`rejects ${c.name}`, () => {
      expect(() => decodeProtobufObject(c.body)).toThrow(c.message);
    });
  }
});

describe('messageNameFor', () => {
  it.each([
    ['v1', 'Pod', 'k8s.io.api.core.v1.Pod'],
    ['apps/v1', 'DeploymentList', 'k8s.io.api.apps.v1.DeploymentList'],
    ['autoscaling/v1', 'Scale', 'k8s.io.api.autoscaling.v1.Scale'],
    ['apps/v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
    ['meta.k8s.io/v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
    ['authorization.k8s.io/v1', 'LocalSubjectAccessReview', 'k8s.io.api.authorization.v1.LocalSubjectAccessReview'],
    ['v1', 'PodSpec', undefined],
    ['v1', 'toString', undefined],
  ])('%s %s', (apiVersion, kind, want) => {
    expect(messageNameFor(apiVersion, kind)).toBe(want);
  });
});

describe('encode/decode round trip', () => {
  const objects: Array<Record<string, unknown>> = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', creationTimestamp: null }, spec: {}, status: {} },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default', annotations: { a: 'b' } },
      data: { k: 'AAEC/w==' },
      immutable: false,
      type: 'kubernetes.io/tls',
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', generation: 3, creationTimestamp: '2024-01-02T03:04:05Z' },
      spec: {
        replicas: 0,
        selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'c',
                image: 'nginx',
                resources: { limits: { cpu: '1', memory: '1Gi' } },
                livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 10 },
                securityContext: { runAsUser: 0, runAsNonRoot: false },
              },
            ],
            volumes: [{ name: 'cfg', configMap: { name: 'cm', defaultMode: 420 } }],
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        revisionHistoryLimit: 0,
      },
      status: { replicas: 2, conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-01-02T03:04:05Z' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc' },
      spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081, nodePort: 30081 }], type: 'NodePort' },
    },
    {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e', managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:note': {} } }] },
      eventTime: '2024-01-02T03:04:05.000001Z',
      note: 'hi',
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: 'r' },
      data: { spec: { template: { spec: { containers: [] } } } },
      revision: 4,
    },
    {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'PriorityLevelConfiguration',
      metadata: { name: 'p' },
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 0, limitResponse: { type: 'Reject' } } },
    },
    { apiVersion: 'v1', kind: 'Event', metadata: { name: 'ev' }, involvedObject: { kind: 'Pod' }, count: -1, type: 'Normal' },
  ];
  for (const obj of objects) {
    it(`${obj['apiVersion']} ${obj['kind']}`, () => {
      const bytes = encodeProtobufObject(obj);
      expect([...bytes.subarray(0, 4)]).toEqual([0x6b, 0x38, 0x73, 0]);
      expect(decodeProtobufObject(bytes)).toStrictEqual(obj);
    });
  }

  it('encodes exactly the hand-built namespace bytes apart from always-written zero fields', () => {
    const decoded = decodeProtobufObject(namespaceBytes);
    expect(decodeProtobufObject(encodeProtobufObject(decoded))).toStrictEqual(decoded);
  });

  it('rejects a value of the wrong JSON type', () => {
    expect(() => encodeProtobufObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 5 } })).toThrow(
      /cannot encode number as string for name/,
    );
    expect(() => encodeProtobufObject({ apiVersion: 'v1', kind: 'Nope' })).toThrow(/no kind "Nope"/);
  });
});

describe('special messages', () => {
  it.each([
    ['k8s.io.apimachinery.pkg.apis.meta.v1.Duration', '1h0m0s'],
    ['k8s.io.apimachinery.pkg.apis.meta.v1.Duration', '1.5s'],
    ['k8s.io.apimachinery.pkg.api.resource.Quantity', '100Mi'],
    ['k8s.io.apimachinery.pkg.util.intstr.IntOrString', 5],
    ['k8s.io.apimachinery.pkg.util.intstr.IntOrString', '50%'],
    ['k8s.io.apimachinery.pkg.apis.meta.v1.Time', null],
    ['k8s.io.apimachinery.pkg.runtime.RawExtension', { a: [1, 'x'] }],
  ])('%s %j', (message, value) => {
    expect(decodeMessage(message, encodeMessage(message, value))).toStrictEqual(value);
  });

  it('normalizes a Time offset to UTC', () => {
    const t = 'k8s.io.apimachinery.pkg.apis.meta.v1.Time';
    expect(decodeMessage(t, encodeMessage(t, '2024-01-02T05:04:05+02:00'))).toBe('2024-01-02T03:04:05Z');
  });

  it.each([
    [0n, '0s'],
    [999n, '999ns'],
    [1_500n, '1.5µs'],
    [2_000_000n, '2ms'],
    [90_000_000_000n, '1m30s'],
    [3_600_000_000_000n, '1h0m0s'],
    [-1_500_000_000n, '-1.5s'],
  ])('formatDuration(%s) = %s and parses back', (ns, s) => {
    expect(formatDuration(ns)).toBe(s);
    expect(parseDuration(s)).toBe(ns);
  });

  it('rejects a bad duration', () => {
    expect(() => parseDuration('5 minutes')).toThrow(/invalid duration/);
  });
});

describe('isProtobufMediaType', () => {
  it.each([
    ['application/vnd.kubernetes.protobuf', true],
    ['application/vnd.kubernetes.protobuf; charset=utf-8', true],
    ['application/vnd.kubernetes.protobuf;stream=watch', true],
    ['application/json', false],
    [undefined, false],
  ])('%s', (ct, want) => {
    expect(isProtobufMediaType(ct)).toBe(want);
  });
});
