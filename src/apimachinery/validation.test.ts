// Validation: upstream messages for each string validator and the exact field errors of ObjectMeta create/update.
import { describe, it, expect } from 'vitest';
import { fieldErrorMessage } from './status.js';
import {
  isCIdentifier,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidCIDR,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  maskTrailingDash,
  nameIsDNS1035Label,
  validateObjectMeta,
  validateObjectMetaUpdate,
  type ObjectMeta,
} from './validation.js';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QNAME =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LVALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const CIDENT =
  "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')";
const ENVVAR =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
const CMKEY =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

describe('isDNS1123Subdomain', () => {
  it.each(['a', 'ab', 'a-b', '0', 'a.b', 'example.com', '1.2.3', 'a--b.c', 'a'.repeat(253), `${'a'.repeat(63)}.${'b'.repeat(63)}`])('accepts %j', (v) =>
    expect(isDNS1123Subdomain(v)).toEqual([]),
  );
  it.each([
    ['', [SUBDOMAIN]],
    ['Bad_Name', [SUBDOMAIN]],
    ['A', [SUBDOMAIN]],
    ['-a', [SUBDOMAIN]],
    ['a-', [SUBDOMAIN]],
    ['a..b', [SUBDOMAIN]],
    ['.a', [SUBDOMAIN]],
    ['a b', [SUBDOMAIN]],
    ['a'.repeat(254), ['must be no more than 253 characters']],
    [`-${'a'.repeat(253)}`, ['must be no more than 253 characters', SUBDOMAIN]],
  ])('rejects %j', (v, want) => expect(isDNS1123Subdomain(v)).toEqual(want));
});

describe('isDNS1123Label', () => {
  it.each(['a', '0', 'a-b', '1-2', 'a'.repeat(63)])('accepts %j', (v) => expect(isDNS1123Label(v)).toEqual([]));
  it.each([
    ['', [LABEL]],
    ['A', [LABEL]],
    ['a_b', [LABEL]],
    ['-a', [LABEL]],
    ['a.b', ['must not contain dots']],
    ['a'.repeat(64), ['must be no more than 63 characters']],
  ])('rejects %j', (v, want) => expect(isDNS1123Label(v)).toEqual(want));
});

describe('isDNS1035Label', () => {
  it.each(['a', 'a-1', 'abc-123', 'a'.repeat(63)])('accepts %j', (v) => expect(isDNS1035Label(v)).toEqual([]));
  it.each([
    ['', [DNS1035]],
    ['1a', [DNS1035]],
    ['a.b', [DNS1035]],
    ['a-', [DNS1035]],
    ['a'.repeat(64), ['must be no more than 63 characters']],
  ])('rejects %j', (v, want) => expect(isDNS1035Label(v)).toEqual(want));
});

describe('isQualifiedName', () => {
  it.each(['simple', 'now-with-dashes', '1-starts-with-num', 'CaSe', 'a_b.c', 'example.com/MyName', 'k8s.io/app', 'a'.repeat(63), `${'a'.repeat(253)}/b`])(
    'accepts %j',
    (v) => expect(isQualifiedName(v)).toEqual([]),
  );
  it.each([
    ['', ['name part must be non-empty', `name part ${QNAME}`]],
    ['-a', [`name part ${QNAME}`]],
    ['a b', [`name part ${QNAME}`]],
    ['/a', ['prefix part must be non-empty']],
    ['a/', ['name part must be non-empty', `name part ${QNAME}`]],
    ['Bad_Prefix/a', [`prefix part ${SUBDOMAIN}`]],
    ['a'.repeat(64), ['name part must be no more than 63 characters']],
    [
      'a/b/c',
      [`a qualified name ${QNAME} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`],
    ],
  ])('rejects %j', (v, want) => expect(isQualifiedName(v)).toEqual(want));
});

describe('isValidLabelValue', () => {
  it.each(['', 'a', 'A_b.c-d', '12345', 'a'.repeat(63)])('accepts %j', (v) => expect(isValidLabelValue(v)).toEqual([]));
  it.each([
    ['-a', [LVALUE]],
    ['a/b', [LVALUE]],
    ['a b', [LVALUE]],
    ['a'.repeat(64), ['must be no more than 63 characters']],
  ])('rejects %j', (v, want) => expect(isValidLabelValue(v)).toEqual(want));
});

describe('isValidPortNum', () => {
  it.each([1, 80, 65535])('accepts %d', (v) => expect(isValidPortNum(v)).toEqual([]));
  it.each([0, -1, 65536, 1.5])('rejects %d', (v) => expect(isValidPortNum(v)).toEqual(['must be between 1 and 65535, inclusive']));
});

describe('isValidPortName', () => {
  it.each(['http', 'a', 'h2c', 'web-80', 'a'.repeat(15)])('accepts %j', (v) => expect(isValidPortName(v)).toEqual([]));
  it.each([
    ['', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
    ['80', ['must contain at least one letter (a-z)']],
    ['HTTP', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
    ['a--b', ['must not contain consecutive hyphens']],
    ['-a', ['must not begin or end with a hyphen']],
    ['a-', ['must not begin or end with a hyphen']],
    ['a'.repeat(16), ['must be no more than 15 characters']],
  ])('rejects %j', (v, want) => expect(isValidPortName(v)).toEqual(want));
});

describe('isValidIP', () => {
  it.each(['10.9.8.7', '0.0.0.0', '255.255.255.255', '010.009.008.007', '::', '::1', '2001:db8::ffff', '::ffff:1.2.3.4', '::ffff:01.2.3.4'])(
    'accepts %j',
    (v) => expect(isValidIP(v)).toEqual([]),
  );
  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4/24', 'fe80::1%eth0', '2001:db8:::1', 'a.b.c.d', ' 1.2.3.4'])('rejects %j', (v) =>
    expect(isValidIP(v)).toEqual([IP]),
  );
});

describe('isValidCIDR', () => {
  it.each(['10.9.8.0/24', '10.9.8.7/24', '0.0.0.0/0', '1.2.3.4/32', '2001:db8::/64', '::/0', '::1/128', '10.0.0.0/08'])('accepts %j', (v) =>
    expect(isValidCIDR(v)).toEqual([]),
  );
  it.each(['', '10.9.8.7', '10.9.8.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/+8', 'x/8', '10.0.0.0/8/8'])('rejects %j', (v) =>
    expect(isValidCIDR(v)).toEqual([CIDR]),
  );
});

describe('isCIdentifier', () => {
  it.each(['a', '_', 'A_1', 'my_name', 'MyName'])('accepts %j', (v) => expect(isCIdentifier(v)).toEqual([]));
  it.each(['', '1a', 'a-b', 'a.b', 'a b'])('rejects %j', (v) => expect(isCIdentifier(v)).toEqual([CIDENT]));
});

describe('isEnvVarName', () => {
  it.each(['A', 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1', '-a', '.a', '_1'])('accepts %j', (v) => expect(isEnvVarName(v)).toEqual([]));
  it.each([
    ['', [ENVVAR]],
    ['1A', [ENVVAR]],
    ['A=B', [ENVVAR]],
    ['A B', [ENVVAR]],
    ['.', ["must not be '.'"]],
    ['..', ["must not be '..'"]],
    ['..a', ["must not start with '..'"]],
  ])('rejects %j', (v, want) => expect(isEnvVarName(v)).toEqual(want));
});

describe('isConfigMapKey', () => {
  it.each(['a', 'key.name', 'KEY_NAME', 'key-name', '1', '.a', 'a..b', 'a'.repeat(253)])('accepts %j', (v) => expect(isConfigMapKey(v)).toEqual([]));
  it.each([
    ['', [CMKEY]],
    ['a/b', [CMKEY]],
    ['a b', [CMKEY]],
    ['.', ["must not be '.'"]],
    ['..', ["must not be '..'"]],
    ['..a', ["must not start with '..'"]],
    ['a'.repeat(254), ['must be no more than 253 characters']],
  ])('rejects %j', (v, want) => expect(isConfigMapKey(v)).toEqual(want));
});

describe('maskTrailingDash', () => {
  it.each([
    ['abc-', 'aba'],
    ['a-', 'a'],
    ['-', '-'],
    ['abc', 'abc'],
    ['', ''],
  ])('%j -> %j', (v, want) => expect(maskTrailingDash(v)).toBe(want));
});

const msgs = (errs: ReturnType<typeof validateObjectMeta>): string[] => errs.map(fieldErrorMessage);

describe('validateObjectMeta', () => {
  const ns = { namespaced: true };
  const cluster = { namespaced: false };
  it.each<[string, ObjectMeta, { namespaced: boolean }]>([
    ['namespaced', { name: 'web', namespace: 'default' }, ns],
    ['cluster-scoped', { name: 'node-1.example.com' }, cluster],
    ['generateName only', { generateName: 'web-', namespace: 'default' }, ns],
    ['generateName one dash', { generateName: 'a-', namespace: 'default' }, ns],
    ['both names', { name: 'web-x1', generateName: 'web-', namespace: 'default' }, ns],
    [
      'labels annotations owners finalizers',
      {
        name: 'web',
        namespace: 'default',
        generation: 3,
        resourceVersion: '42',
        labels: { app: 'web', 'app.kubernetes.io/name': 'web', empty: '' },
        annotations: { 'Example.COM/Note': 'anything at all: {"json": true}' },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u1', controller: true },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'u2', controller: false },
        ],
        finalizers: ['kubernetes.io/pvc-protection', 'foregroundDeletion'],
      },
      ns,
    ],
  ])('accepts %s', (_n, meta, opts) => expect(msgs(validateObjectMeta(meta, opts))).toEqual([]));

  it.each<[string, ObjectMeta, { namespaced: boolean }, string[]]>([
    ['bad name', { name: 'Bad_Name', namespace: 'default' }, ns, [`metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN}`]],
    ['missing name', { namespace: 'default' }, ns, ['metadata.name: Required value: name or generateName is required']],
    ['bad generateName', { generateName: 'Web-', namespace: 'default' }, ns, [`metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN}`]],
    ['missing namespace', { name: 'web' }, ns, ['metadata.namespace: Required value']],
    ['bad namespace', { name: 'web', namespace: 'a.b' }, ns, ['metadata.namespace: Invalid value: "a.b": must not contain dots']],
    ['namespace on cluster-scoped', { name: 'n1', namespace: 'default' }, cluster, ['metadata.namespace: Forbidden: not allowed on this type']],
    ['negative generation', { name: 'web', generation: -1 }, cluster, ['metadata.generation: Invalid value: -1: must be greater than or equal to 0']],
    ['bad resourceVersion', { name: 'web', resourceVersion: 'abc' }, cluster, ['metadata.resourceVersion: Invalid value: "abc": must be a non-negative integer']],
    [
      'bad labels',
      { name: 'web', labels: { 'a b': 'ok', good: '-bad' } },
      cluster,
      [`metadata.labels: Invalid value: "a b": name part ${QNAME}`, `metadata.labels: Invalid value: "-bad": ${LVALUE}`],
    ],
    ['bad annotation key', { name: 'web', annotations: { 'x/y/z': '' } }, cluster, [
      `metadata.annotations: Invalid value: "x/y/z": a qualified name ${QNAME} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]],
    [
      'annotations too large',
      { name: 'web', annotations: { a: 'x'.repeat(262144) } },
      cluster,
      ['metadata.annotations: Too long: may not be more than 262144 bytes'],
    ],
    [
      'owner reference fields',
      { name: 'web', ownerReferences: [{ apiVersion: '', kind: '', name: '', uid: '' }] },
      cluster,
      [
        'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
        'metadata.ownerReferences.kind: Invalid value: "": kind must not be empty',
        'metadata.ownerReferences.name: Invalid value: "": name must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": uid must not be empty',
      ],
    ],
    [
      'owner apiVersion group only',
      { name: 'web', ownerReferences: [{ apiVersion: 'apps/', kind: 'Deployment', name: 'd', uid: 'u' }] },
      cluster,
      ['metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty'],
    ],
    [
      'Event owner',
      { name: 'web', ownerReferences: [{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u' }] },
      cluster,
      ['metadata.ownerReferences: Invalid value: map[string]string{"apiVersion":"v1", "kind":"Event", "name":"e", "uid":"u"}: /v1, Kind=Event is disallowed from being an owner'],
    ],
    [
      'two controllers',
      {
        name: 'web',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
        ],
      },
      cluster,
      [
        'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
      ],
    ],
    [
      'bad and duplicate finalizers',
      { name: 'web', finalizers: ['example.com/f', 'bad finalizer', 'example.com/f'] },
      cluster,
      [`metadata.finalizers: Invalid value: "bad finalizer": name part ${QNAME}`, 'metadata.finalizers[2]: Duplicate value: "example.com/f"'],
    ],
    [
      'orphan and foreground',
      { name: 'web', finalizers: ['orphan', 'foregroundDeletion'] },
      cluster,
      ['metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set'],
    ],
  ])('rejects %s', (_n, meta, opts, want) => expect(msgs(validateObjectMeta(meta, opts))).toEqual(want));

  it('uses a custom name validator (prefix=true for generateName) and path', () => {
    expect(msgs(validateObjectMeta({ name: '1svc' }, { namespaced: false, nameValidator: nameIsDNS1035Label, path: 'meta' }))).toEqual([
      `meta.name: Invalid value: "1svc": ${DNS1035}`,
    ]);
    expect(msgs(validateObjectMeta({ generateName: 'svc-' }, { namespaced: false, nameValidator: nameIsDNS1035Label }))).toEqual([]);
    expect(msgs(validateObjectMeta({ name: 'x' }, { namespaced: false, nameValidator: (n: string) => (n === 'x' ? ['no x'] : []) }))).toEqual([
      'metadata.name: Invalid value: "x": no x',
    ]);
  });

  it('lists errors in upstream order', () => {
    expect(msgs(validateObjectMeta({ generateName: '-', generation: -2, labels: { '': 'v' } }, { namespaced: true }))).toEqual([
      `metadata.generateName: Invalid value: "-": ${SUBDOMAIN}`,
      'metadata.namespace: Required value',
      'metadata.generation: Invalid value: -2: must be greater than or equal to 0',
      'metadata.labels: Invalid value: "": name part must be non-empty',
      `metadata.labels: Invalid value: "": name part ${QNAME}`,
    ]);
  });
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMeta = {
    name: 'web',
    namespace: 'default',
    uid: 'u1',
    resourceVersion: '5',
    generation: 2,
    creationTimestamp: '2024-01-01T00:00:00Z',
    finalizers: ['a.io/x'],
  };
  it.each<[string, ObjectMeta, ObjectMeta]>([
    ['unchanged', { ...old }, old],
    ['labels and generation bump', { ...old, generation: 3, labels: { app: 'web' } }, old],
    ['removing a finalizer while deleting', { ...old, finalizers: [], deletionTimestamp: 'T', deletionGracePeriodSeconds: 0 }, { ...old, deletionTimestamp: 'T', deletionGracePeriodSeconds: 0 }],
  ])('accepts %s', (_n, n, o) => expect(msgs(validateObjectMetaUpdate(n, o))).toEqual([]));

  it.each<[string, ObjectMeta, ObjectMeta, string[]]>([
    ['name', { ...old, name: 'other' }, old, ['metadata.name: Invalid value: "other": field is immutable']],
    ['namespace', { ...old, namespace: 'kube-system' }, old, ['metadata.namespace: Invalid value: "kube-system": field is immutable']],
    ['uid', { ...old, uid: 'u2' }, old, ['metadata.uid: Invalid value: "u2": field is immutable']],
    [
      'creationTimestamp',
      { ...old, creationTimestamp: '2025-01-01T00:00:00Z' },
      old,
      ['metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable'],
    ],
    ['generation decrease', { ...old, generation: 1 }, old, ['metadata.generation: Invalid value: 1: must not be decremented']],
    ['missing resourceVersion', { ...old, resourceVersion: '' }, old, ['metadata.resourceVersion: Invalid value: "": must be specified for an update']],
    [
      'setting deletion',
      { ...old, deletionTimestamp: '2024-02-02T00:00:00Z', deletionGracePeriodSeconds: 30 },
      old,
      [
        'metadata.deletionTimestamp: Invalid value: "2024-02-02T00:00:00Z": field is immutable',
        'metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable',
      ],
    ],
    [
      'clearing deletion',
      { ...old },
      { ...old, deletionTimestamp: 'T', deletionGracePeriodSeconds: 0 },
      ['metadata.deletionTimestamp: Invalid value: null: field is immutable', 'metadata.deletionGracePeriodSeconds: Invalid value: null: field is immutable'],
    ],
    [
      'new finalizers while deleting',
      { ...old, finalizers: ['a.io/x', 'z.io/b', 'b.io/a'], deletionTimestamp: 'T' },
      { ...old, deletionTimestamp: 'T' },
      ['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/a", "z.io/b"}'],
    ],
    [
      'new object metadata validated',
      { ...old, labels: { 'a b': 'v' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: '' }] },
      old,
      [`metadata.labels: Invalid value: "a b": name part ${QNAME}`, 'metadata.ownerReferences.uid: Invalid value: "": uid must not be empty'],
    ],
  ])('rejects %s', (_n, n, o, want) => expect(msgs(validateObjectMetaUpdate(n, o))).toEqual(want));
});
