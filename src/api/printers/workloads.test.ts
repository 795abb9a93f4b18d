// Tests for the apps/v1 and batch/v1 printers: deployments, replicasets, statefulsets, daemonsets, revisions, jobs, cronjobs.

import { describe, expect, it } from 'vitest';
import { printerFor } from './index.js';

const now = new Date('2024-05-01T12:00:00Z');
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: '2024-04-29T12:00:00Z', ...extra }); // 2d old
const template = { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } };

describe('apps', () => {
  it.each<[string, unknown, unknown[]]>([
    [
      'deployments',
      {
        metadata: meta('web'),
        spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] }, template },
        status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
      },
      ['web', '2/3', 3, 2, '2d', 'web,log', 'nginx:1.27,busybox', 'app=web,tier in (be,fe)'],
    ],
    ['deployments', { metadata: meta('empty'), spec: { replicas: 0, template: { spec: {} } } }, ['empty', '0/0', 0, 0, '2d', '', '', '']],
    [
      'replicasets',
      { metadata: meta('web-5d'), spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d' } }, template }, status: { replicas: 2, readyReplicas: 1 } },
      ['web-5d', 2, 2, 1, '2d', 'web,log', 'nginx:1.27,busybox', 'app=web,pod-template-hash=5d'],
    ],
    ['replicasets', { metadata: meta('nosel'), spec: { replicas: 1, template } }, ['nosel', 1, 0, 0, '2d', 'web,log', 'nginx:1.27,busybox', '<none>']],
    ['statefulsets', { metadata: meta('db'), spec: { replicas: 3, template }, status: { readyReplicas: 3 } }, ['db', '3/3', '2d', 'web,log', 'nginx:1.27,busybox']],
    [
      'daemonsets',
      {
        metadata: meta('agent'),
        spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'agent:1' }] } } },
        status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
      },
      ['agent', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '2d', 'a', 'agent:1', 'app=agent'],
    ],
    [
      'controllerrevisions',
      { metadata: meta('agent-7c', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true }] }), revision: 2 },
      ['agent-7c', 'daemonset.apps/agent', 2, '2d'],
    ],
    ['controllerrevisions', { metadata: meta('orphan'), revision: 1 }, ['orphan', '<none>', 1, '2d']],
  ])('%s', (resource, obj, want) => {
    expect(printerFor('apps', resource).row(obj, now)).toEqual(want);
  });
});

describe('jobs', () => {
  const job = (spec: Record<string, unknown>, status: Record<string, unknown>, metaExtra: Record<string, unknown> = {}) => ({
    metadata: meta('pi', metaExtra),
    spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, template, ...spec },
    status,
  });
  const cond = (type: string, status = 'True') => ({ type, status });

  it.each<[string, unknown, string, string, string]>([
    ['running with completions', job({ completions: 3, parallelism: 1 }, { succeeded: 1, startTime: '2024-05-01T11:58:00Z' }), 'Running', '1/3', '2m'],
    ['complete', job({ completions: 1 }, { succeeded: 1, startTime: '2024-05-01T10:00:00Z', completionTime: '2024-05-01T10:00:42Z', conditions: [cond('Complete')] }), 'Complete', '1/1', '42s'],
    ['failed', job({ completions: 1 }, { failed: 1, conditions: [cond('FailureTarget'), cond('Failed')] }), 'Failed', '0/1', ''],
    ['work queue with parallelism', job({ completions: null, parallelism: 4 }, { succeeded: 2 }), 'Running', '2/1 of 4', ''],
    ['no completions no parallelism', job({}, {}), 'Running', '0/1', ''],
    ['suspended', job({ completions: 2 }, { conditions: [cond('Suspended')] }), 'Suspended', '0/2', ''],
    ['failure target', job({ completions: 2 }, { conditions: [cond('FailureTarget')] }), 'FailureTarget', '0/2', ''],
    ['terminating beats suspended', job({ completions: 2 }, { conditions: [cond('Suspended')] }, { deletionTimestamp: '2024-05-01T11:00:00Z' }), 'Terminating', '0/2', ''],
    ['false condition ignored', job({ completions: 2 }, { conditions: [cond('Complete', 'False')] }), 'Running', '0/2', ''],
  ])('%s', (_n, obj, status, completions, duration) => {
    const cells = printerFor('batch', 'jobs').row(obj, now);
    expect(cells.slice(1, 4)).toEqual([status, completions, duration]);
    expect(cells.slice(5)).toEqual(['web,log', 'nginx:1.27,busybox', 'batch.kubernetes.io/controller-uid=u1']);
  });

  it('prints cronjobs', () => {
    const cj = {
      metadata: meta('hello'),
      spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template } } },
      status: { active: [{ name: 'hello-1' }], lastScheduleTime: '2024-05-01T11:55:00Z' },
    };
    expect(printerFor('batch', 'cronjobs').row(cj, now)).toEqual(['hello', '*/5 * * * *', '<none>', 'False', 1, '5m', '2d', 'web,log', 'nginx:1.27,busybox', '<none>']);
    const tz = { metadata: meta('tz'), spec: { schedule: '@daily', timeZone: 'Etc/UTC', jobTemplate: { spec: { template: { spec: {} } } } } };
    expect(printerFor('batch', 'cronjobs').row(tz, now).slice(1, 6)).toEqual(['@daily', 'Etc/UTC', '<unset>', 0, '<none>']);
  });
});
