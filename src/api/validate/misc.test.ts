import { describe, expect, it } from 'vitest';
import { fieldErrorMessage, nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain } from '../../apimachinery/index.js';
import { applyDefaults } from '../defaults/index.js';
import { nameValidatorFor, validateCreate, validateUpdate } from './index.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const create = (group: string, kind: string, o: Record<string, any>) => {
  const c = JSON.parse(JSON.stringify(o)) as Record<string, any>;
  applyDefaults(group, kind, c);
  return validateCreate(group, kind, c).map(fieldErrorMessage);
};
const update = (group: string, kind: string, o: Record<string, any>, old: Record<string, any>) => {
  const [n, p] = [JSON.parse(JSON.stringify(o)), JSON.parse(JSON.stringify(old))] as Record<string, any>[];
  applyDefaults(group, kind, n!);
  applyDefaults(group, kind, p!);
  return validateUpdate(group, kind, n!, p!).map(fieldErrorMessage);
};

describe('create validation of other kinds', () => {
  it.each<[string, string, string, Record<string, any>, string[]]>([
    ['configmap ok', '', 'ConfigMap', { data: { 'a.b': 'x' } }, []],
    [
      'configmap key',
      '',
      'ConfigMap',
      { data: { 'a/b': 'x' } },
      [`data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`],
    ],
    ['configmap too big', '', 'ConfigMap', { data: { a: 'x'.repeat(1024 * 1024 + 1) } }, [': Too long: may not be more than 1048576 bytes']],
    ['tls secret', '', 'Secret', { type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } }, ['data[tls.key]: Required value']],
    ['dockerconfigjson secret', '', 'Secret', { type: 'kubernetes.io/dockerconfigjson', data: {} }, ['data[.dockerconfigjson]: Required value']],
    [
      'service account token secret',
      '',
      'Secret',
      { type: 'kubernetes.io/service-account-token' },
      ['metadata.annotations[kubernetes.io/service-account.name]: Required value'],
    ],
    ['opaque secret', '', 'Secret', { data: { a: b64('x') } }, []],
    [
      'namespace finalizer',
      '',
      'Namespace',
      { metadata: { name: 'n' }, spec: { finalizers: ['foo'] } },
      ['spec.finalizers: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified'],
    ],
    ['namespace ok', '', 'Namespace', { metadata: { name: 'n' } }, []],
    [
      'hpa',
      'autoscaling',
      'HorizontalPodAutoscaler',
      { spec: { scaleTargetRef: { kind: 'Deployment' }, minReplicas: 5, maxReplicas: 2 } },
      ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`', 'spec.scaleTargetRef.name: Required value'],
    ],
    ['hpa minReplicas', 'autoscaling', 'HorizontalPodAutoscaler', { spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: 0, maxReplicas: 2 } }, ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1']],
    ['hpa ok', 'autoscaling', 'HorizontalPodAutoscaler', { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' }, maxReplicas: 2 } }, []],
    ['role verbs', 'rbac.authorization.k8s.io', 'Role', { rules: [{ apiGroups: [''], resources: ['pods'] }] }, ['rules[0].verbs: Required value: verbs must contain at least one value']],
    [
      'rolebinding subject kind',
      'rbac.authorization.k8s.io',
      'RoleBinding',
      { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'Robot', name: 'x' }] },
      ['subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"'],
    ],
    [
      'clusterrolebinding needs ClusterRole and SA namespace',
      'rbac.authorization.k8s.io',
      'ClusterRoleBinding',
      { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'x' }] },
      ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"', 'subjects[0].namespace: Required value'],
    ],
    ['priorityclass value', 'scheduling.k8s.io', 'PriorityClass', { metadata: { name: 'high' }, value: 2000000000 }, ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']],
    ['storageclass provisioner', 'storage.k8s.io', 'StorageClass', {}, ['provisioner: Required value']],
    ['ingress empty', 'networking.k8s.io', 'Ingress', { spec: {} }, ['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified']],
    [
      'ingress path',
      'networking.k8s.io',
      'Ingress',
      { spec: { rules: [{ http: { paths: [{ path: 'x', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } }] } },
      ['spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path'],
    ],
    [
      'ingress backend port',
      'networking.k8s.io',
      'Ingress',
      { spec: { defaultBackend: { service: { name: 's', port: {} } } } },
      ['spec.defaultBackend: Required value: port name or number is required'],
    ],
    [
      'networkpolicy protocol',
      'networking.k8s.io',
      'NetworkPolicy',
      { spec: { podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP', port: 80 }] }] } },
      ['spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'pdb both',
      'policy',
      'PodDisruptionBudget',
      { spec: { minAvailable: 1, maxUnavailable: 1 } },
      ['spec: Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set'],
    ],
    ['node podCIDR', '', 'Node', { spec: { podCIDRs: ['10.0.0.0/33'] } }, ['spec.podCIDRs[0]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
    [
      'pvc',
      '',
      'PersistentVolumeClaim',
      { spec: {} },
      ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value'],
    ],
    ['pvc ok', '', 'PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }, []],
    [
      'pv',
      '',
      'PersistentVolume',
      { spec: { hostPath: { path: '/x' } } },
      ['spec.accessModes: Required value', 'spec.capacity: Required value'],
    ],
    [
      'endpointslice addressType',
      'discovery.k8s.io',
      'EndpointSlice',
      { addressType: 'IPv5', endpoints: [] },
      ['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"'],
    ],
    ['lease', 'coordination.k8s.io', 'Lease', { spec: { leaseDurationSeconds: 0 } }, ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']],
    ['unknown kind', 'example.com', 'Widget', { spec: { anything: true } }, []],
  ])('%s', (_n, group, kind, obj, expected) => expect(create(group, kind, obj)).toEqual(expected));
});

describe('update validation of other kinds', () => {
  it('immutable configmap', () => {
    expect(update('', 'ConfigMap', { immutable: true, data: { a: '2' } }, { immutable: true, data: { a: '1' } })).toEqual([
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });
  it('secret type', () => {
    expect(update('', 'Secret', { type: 'Foo' }, { type: 'Opaque' })).toEqual(['type: Invalid value: "Foo": field is immutable']);
  });
  it('immutable secret cannot become mutable', () => {
    expect(update('', 'Secret', { immutable: false }, { immutable: true })).toEqual(['immutable: Forbidden: field is immutable when `immutable` is set']);
  });
  it('roleRef', () => {
    const rb = (name: string) => ({ roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects: [] });
    expect(update('rbac.authorization.k8s.io', 'RoleBinding', rb('b'), rb('a'))).toEqual([
      'roleRef: Invalid value: map[string]string{"apiGroup":"rbac.authorization.k8s.io", "kind":"ClusterRole", "name":"b"}: cannot change roleRef',
    ]);
  });
  it('priorityclass value', () => {
    expect(update('scheduling.k8s.io', 'PriorityClass', { metadata: { name: 'p' }, value: 2 }, { metadata: { name: 'p' }, value: 1 })).toEqual([
      'value: Forbidden: may not be changed in an update.',
    ]);
  });
  it('storageclass parameters', () => {
    expect(update('storage.k8s.io', 'StorageClass', { provisioner: 'x', parameters: { a: '2' } }, { provisioner: 'x', parameters: { a: '1' } })).toEqual([
      'parameters: Forbidden: updates to parameters are forbidden.',
    ]);
  });
  it('node podCIDRs', () => {
    expect(update('', 'Node', { spec: { podCIDRs: ['10.0.1.0/24'] } }, { spec: { podCIDRs: ['10.0.0.0/24'] } })).toEqual([
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    ]);
  });
});

describe('nameValidatorFor', () => {
  it.each<[string, string, unknown]>([
    ['', 'Service', nameIsDNS1035Label],
    ['', 'Namespace', nameIsDNSLabel],
    ['', 'Pod', nameIsDNSSubdomain],
    ['apps', 'Deployment', nameIsDNSSubdomain],
  ])('%s/%s', (group, kind, fn) => expect(nameValidatorFor(group, kind)).toBe(fn));
  it('rbac names are path segments', () => {
    const fn = nameValidatorFor('rbac.authorization.k8s.io', 'ClusterRole');
    expect(fn('system:controller:foo', false)).toEqual([]);
    expect(fn('a/b', false)).toEqual(["may not contain '/'"]);
    expect(fn('..', false)).toEqual(["may not be '..'"]);
  });
});
