import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../apimachinery/index.js';
import { applyDefaults } from '../defaults/index.js';
import { validateCreate, validateUpdate } from './index.js';

const tmpl = (labels: Record<string, string>, spec: Record<string, any> = {}) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
});
const make = (kind: string, spec: Record<string, any>): Record<string, any> => {
  const o: Record<string, any> = { metadata: { name: 'w', namespace: 'default' }, spec: JSON.parse(JSON.stringify(spec)) };
  applyDefaults('apps', kind, o);
  return o;
};
const msgs = (kind: string, o: Record<string, any>) => validateCreate('apps', kind, o).map(fieldErrorMessage);

describe('apps workloads create', () => {
  const sel = { matchLabels: { app: 'a' } };
  it.each<[string, string, Record<string, any>, string[]]>([
    ['valid deployment', 'Deployment', { selector: sel, template: tmpl({ app: 'a' }) }, []],
    ['valid replicaset', 'ReplicaSet', { selector: sel, template: tmpl({ app: 'a' }) }, []],
    ['valid statefulset', 'StatefulSet', { selector: sel, serviceName: 's', template: tmpl({ app: 'a' }) }, []],
    ['valid daemonset', 'DaemonSet', { selector: sel, template: tmpl({ app: 'a' }) }, []],
    [
      'selector required',
      'Deployment',
      { template: tmpl({ app: 'a' }) },
      ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"a"}: `selector` does not match template `labels`'],
    ],
    [
      'labels must match',
      'Deployment',
      { selector: sel, template: tmpl({ app: 'b' }) },
      ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`'],
    ],
    ['negative replicas', 'ReplicaSet', { replicas: -1, selector: sel, template: tmpl({ app: 'a' }) }, ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    [
      'restartPolicy Always',
      'Deployment',
      { selector: sel, template: tmpl({ app: 'a' }, { restartPolicy: 'Never' }) },
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'pod spec errors under spec.template.spec',
      'DaemonSet',
      { selector: sel, template: tmpl({ app: 'a' }, { containers: [{ name: 'c' }] }) },
      ['spec.template.spec.containers[0].image: Required value'],
    ],
    [
      'maxSurge and maxUnavailable both 0',
      'Deployment',
      { selector: sel, template: tmpl({ app: 'a' }), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } },
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'],
    ],
    [
      'maxUnavailable over 100%',
      'Deployment',
      { selector: sel, template: tmpl({ app: 'a' }), strategy: { rollingUpdate: { maxUnavailable: '120%' } } },
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%'],
    ],
    [
      'recreate with rollingUpdate',
      'Deployment',
      { selector: sel, template: tmpl({ app: 'a' }), strategy: { type: 'Recreate', rollingUpdate: {} } },
      ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    ],
    [
      'empty selector',
      'Deployment',
      { selector: {}, template: tmpl({ app: 'a' }) },
      ['spec.selector: Invalid value: map[string]string{}: empty selector is invalid for deployment'],
    ],
    [
      'daemonset surge and unavailable',
      'DaemonSet',
      { selector: sel, template: tmpl({ app: 'a' }), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } },
      ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero'],
    ],
    [
      'statefulset podManagementPolicy',
      'StatefulSet',
      { selector: sel, template: tmpl({ app: 'a' }), podManagementPolicy: 'Random' },
      ["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"],
    ],
    [
      'bad selector expression',
      'ReplicaSet',
      { selector: { matchExpressions: [{ key: 'app', operator: 'In' }] }, template: tmpl({ app: 'a' }) },
      ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'", 'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"In"}]}: invalid label selector'],
    ],
  ])('%s', (_n, kind, spec, expected) => expect(msgs(kind, make(kind, spec))).toEqual(expected));
});

describe('apps workloads update', () => {
  const sel = { matchLabels: { app: 'a' } };
  it.each(['Deployment', 'ReplicaSet', 'DaemonSet'])('%s selector is immutable', (kind) => {
    const old = make(kind, { selector: sel, template: tmpl({ app: 'a', v: '1' }) });
    const n = make(kind, { selector: { matchLabels: { app: 'a', v: '1' } }, template: tmpl({ app: 'a', v: '1' }) });
    expect(validateUpdate('apps', kind, n, old).map(fieldErrorMessage)).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"app":"a","v":"1"}}: field is immutable',
    ]);
  });
  it('deployment template and replicas may change', () => {
    const old = make('Deployment', { selector: sel, template: tmpl({ app: 'a' }) });
    const n = make('Deployment', { replicas: 3, selector: sel, template: tmpl({ app: 'a', v: '2' }) });
    expect(validateUpdate('apps', 'Deployment', n, old)).toEqual([]);
  });
  it('statefulset forbids serviceName changes', () => {
    const old = make('StatefulSet', { selector: sel, serviceName: 'a', template: tmpl({ app: 'a' }) });
    const n = make('StatefulSet', { selector: sel, serviceName: 'b', replicas: 2, template: tmpl({ app: 'a' }) });
    expect(validateUpdate('apps', 'StatefulSet', n, old).map(fieldErrorMessage)).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });
});

describe('replicationcontroller', () => {
  it('checks selector and template labels', () => {
    const rc: Record<string, any> = { spec: { selector: { app: 'x' }, template: tmpl({ app: 'y' }) } };
    applyDefaults('', 'ReplicationController', rc);
    expect(validateCreate('', 'ReplicationController', rc).map(fieldErrorMessage)).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"y"}: `selector` does not match template `labels`',
    ]);
  });
});
