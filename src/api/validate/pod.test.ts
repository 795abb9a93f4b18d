import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../apimachinery/index.js';
import { applyDefaults } from '../defaults/index.js';
import { validateCreate, validateUpdate } from './index.js';
import { POD_UPDATABLE_FIELDS } from './pod.js';

const pod = (spec: Record<string, any>): Record<string, any> => {
  const p: Record<string, any> = { metadata: { name: 'p', namespace: 'default' }, spec: JSON.parse(JSON.stringify(spec)) };
  applyDefaults('', 'Pod', p);
  return p;
};
const msgs = (o: Record<string, any>) => validateCreate('', 'Pod', o).map(fieldErrorMessage);
const c = (extra: Record<string, any> = {}) => ({ name: 'c', image: 'nginx', ...extra });

describe('pod create', () => {
  it('accepts a minimal defaulted pod', () => {
    expect(msgs(pod({ containers: [c()] }))).toEqual([]);
  });

  it.each<[string, Record<string, any>, string[]]>([
    ['containers required', { containers: [] }, ['spec.containers: Required value']],
    ['image required', { containers: [{ name: 'c' }] }, ['spec.containers[0].image: Required value']],
    [
      'container name DNS label',
      { containers: [c({ name: 'C_1' })] },
      [
        `spec.containers[0].name: Invalid value: "C_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
    ['duplicate container', { containers: [c(), c()] }, ['spec.containers[1].name: Duplicate value: "c"']],
    ['init duplicates regular', { containers: [c()], initContainers: [c()] }, ['spec.initContainers[0].name: Duplicate value: "c"']],
    [
      'port range',
      { containers: [c({ ports: [{ containerPort: 70000 }] })] },
      ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ],
    [
      'protocol',
      { containers: [c({ ports: [{ containerPort: 80, protocol: 'HTTP' }] })] },
      ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'duplicate port name',
      { containers: [c({ ports: [{ containerPort: 80, name: 'http' }, { containerPort: 81, name: 'http' }] })] },
      ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ],
    ['env name required', { containers: [c({ env: [{ value: 'x' }] })] }, ['spec.containers[0].env[0].name: Required value']],
    [
      'env name with =',
      { containers: [c({ env: [{ name: 'A=B' }] })] },
      [`spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`],
    ],
    ['mount refers to unknown volume', { containers: [c({ volumeMounts: [{ name: 'x', mountPath: '/x' }] })] }, ['spec.containers[0].volumeMounts[0].name: Not found: "x"']],
    ['duplicate volume', { containers: [c()], volumes: [{ name: 'v' }, { name: 'v' }] }, ['spec.volumes[1].name: Duplicate value: "v"']],
    [
      'two volume types',
      { containers: [c()], volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }] },
      ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type'],
    ],
    ['secret volume needs a name', { containers: [c()], volumes: [{ name: 'v', secret: {} }] }, ['spec.volumes[0].secret.secretName: Required value']],
    [
      'restartPolicy',
      { containers: [c()], restartPolicy: 'Sometimes' },
      ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    ],
    [
      'dnsPolicy',
      { containers: [c()], dnsPolicy: 'Foo' },
      ['spec.dnsPolicy: Unsupported value: "Foo": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'],
    ],
    [
      'requests above limits',
      { containers: [c({ resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })] },
      ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ],
    [
      'negative quantity',
      { containers: [c({ resources: { requests: { memory: '-1Mi' } } })] },
      ['spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0'],
    ],
    [
      'unknown resource',
      { containers: [c({ resources: { limits: { gpu: '1' } } })] },
      [
        'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
        'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      ],
    ],
    [
      'negative grace period',
      { containers: [c()], terminationGracePeriodSeconds: -1 },
      [],
    ],
    [
      'activeDeadlineSeconds',
      { containers: [c()], activeDeadlineSeconds: 0 },
      ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive'],
    ],
    [
      'toleration without key',
      { containers: [c()], tolerations: [{ operator: 'Equal', value: 'x' }] },
      ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"'],
    ],
    [
      'image whitespace',
      { containers: [c({ image: ' nginx' })] },
      ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'],
    ],
    [
      'liveness successThreshold',
      { containers: [c({ livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } })] },
      ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    ],
    ['probe handler', { containers: [c({ readinessProbe: {} })] }, ['spec.containers[0].readinessProbe: Required value: must specify a handler type']],
    ['ephemeral on create', { containers: [c()], ephemeralContainers: [{ name: 'e', image: 'x' }] }, ['spec.ephemeralContainers: Forbidden: cannot be set on create']],
  ])('%s', (_n, spec, expected) => {
    expect(msgs(pod(spec))).toEqual(expected);
  });

  it('requires the defaulted fields when defaults were not applied', () => {
    const raw = { spec: { containers: [{ name: 'c', image: 'x' }] } };
    expect(msgs(raw)).toEqual([
      'spec.terminationGracePeriodSeconds: Required value',
      'spec.containers[0].terminationMessagePolicy: Required value',
      'spec.containers[0].imagePullPolicy: Required value',
      'spec.restartPolicy: Required value',
      'spec.dnsPolicy: Required value',
    ]);
  });
});

describe('pod update', () => {
  const old = pod({ containers: [c()], tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }] });
  const upd = (mut: (p: Record<string, any>) => void) => {
    const n = JSON.parse(JSON.stringify(old)) as Record<string, any>;
    mut(n);
    return validateUpdate('', 'Pod', n, old).map(fieldErrorMessage);
  };

  it('allows image, activeDeadlineSeconds, tolerationSeconds and added tolerations', () => {
    expect(
      upd((p) => {
        p['spec']['containers'][0]['image'] = 'nginx:2';
        p['spec']['activeDeadlineSeconds'] = 5;
        p['spec']['tolerations'][0]['tolerationSeconds'] = 20;
        p['spec']['tolerations'].push({ key: 'x', operator: 'Exists' });
      }),
    ).toEqual([]);
  });

  it('forbids other spec changes with upstream wording', () => {
    const errs = upd((p) => {
      p['spec']['restartPolicy'] = 'Never';
    });
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(new RegExp(`^spec: Forbidden: pod updates may not change fields other than ${POD_UPDATABLE_FIELDS.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
    expect(errs[0]).toContain('restartPolicy');
  });

  it.each<[string, (p: Record<string, any>) => void, string[]]>([
    ['add container', (p) => p['spec']['containers'].push(pod({ containers: [c({ name: 'd' })] })['spec']['containers'][0]), ['spec.containers: Forbidden: pod updates may not add or remove containers']],
    ['remove toleration', (p) => (p['spec']['tolerations'] = []), ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']],
    ['clear image', (p) => (p['spec']['containers'][0]['image'] = ''), ['spec.containers[0].image: Required value', 'spec.containers[0].image: Required value']],
  ])('%s', (_n, mut, expected) => expect(upd(mut)).toEqual(expected));

  it('activeDeadlineSeconds may only decrease', () => {
    const o = pod({ containers: [c()], activeDeadlineSeconds: 10 });
    const n = JSON.parse(JSON.stringify(o));
    n.spec.activeDeadlineSeconds = 20;
    expect(validateUpdate('', 'Pod', n, o).map(fieldErrorMessage)).toEqual(['spec.activeDeadlineSeconds: Invalid value: 20: must be less than or equal to previous value']);
  });
});
