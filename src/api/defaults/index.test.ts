import { describe, expect, it } from 'vitest';
import { applyDefaults, computeQOSClass, defaultPullPolicy } from './index.js';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('applyDefaults', () => {
  const cases: Array<{ name: string; group: string; kind: string; input: Record<string, any>; expected: Record<string, any> }> = [
    {
      name: 'pod spec, containers, status',
      group: '',
      kind: 'Pod',
      input: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
      expected: {
        spec: {
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
          terminationGracePeriodSeconds: 30,
          schedulerName: 'default-scheduler',
          securityContext: {},
          enableServiceLinks: true,
          priority: 0,
          preemptionPolicy: 'PreemptLowerPriority',
          containers: [
            {
              imagePullPolicy: 'Always',
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              resources: {},
              ports: [{ containerPort: 80, protocol: 'TCP' }],
            },
          ],
        },
        status: { phase: 'Pending', qosClass: 'BestEffort' },
      },
    },
    {
      name: 'pod requests from limits, Guaranteed',
      group: '',
      kind: 'Pod',
      input: { spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } },
      expected: {
        spec: { containers: [{ imagePullPolicy: 'IfNotPresent', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } }] },
        status: { qosClass: 'Guaranteed' },
      },
    },
    {
      name: 'pod volumes and probes',
      group: '',
      kind: 'Pod',
      input: {
        spec: {
          containers: [{ name: 'c', image: 'x', livenessProbe: { httpGet: { port: 80 } } }],
          volumes: [{ name: 'a' }, { name: 'b', secret: { secretName: 's' } }, { name: 'c', configMap: { name: 'm' } }],
        },
      },
      expected: {
        spec: {
          containers: [{ livenessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 } }],
          volumes: [{ name: 'a', emptyDir: {} }, { secret: { defaultMode: 420 } }, { configMap: { defaultMode: 420 } }],
        },
      },
    },
    {
      name: 'service ClusterIP',
      group: '',
      kind: 'Service',
      input: { spec: { ports: [{ port: 80 }], selector: { app: 'x' } } },
      expected: {
        spec: {
          type: 'ClusterIP',
          sessionAffinity: 'None',
          internalTrafficPolicy: 'Cluster',
          ipFamilyPolicy: 'SingleStack',
          ipFamilies: ['IPv4'],
          ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        },
      },
    },
    {
      name: 'service NodePort',
      group: '',
      kind: 'Service',
      input: { spec: { type: 'NodePort', clusterIP: '10.0.0.9', ports: [{ port: 80, targetPort: 'http' }] } },
      expected: { spec: { externalTrafficPolicy: 'Cluster', clusterIPs: ['10.0.0.9'], ports: [{ targetPort: 'http' }] } },
    },
    {
      name: 'service LoadBalancer',
      group: '',
      kind: 'Service',
      input: { spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
      expected: { spec: { allocateLoadBalancerNodePorts: true, externalTrafficPolicy: 'Cluster' } },
    },
    {
      name: 'deployment',
      group: 'apps',
      kind: 'Deployment',
      input: { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
      expected: {
        spec: {
          replicas: 1,
          revisionHistoryLimit: 10,
          progressDeadlineSeconds: 600,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
          template: { spec: { restartPolicy: 'Always', containers: [{ imagePullPolicy: 'Always' }] } },
        },
      },
    },
    {
      name: 'statefulset',
      group: 'apps',
      kind: 'StatefulSet',
      input: { spec: { volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: {} }] } },
      expected: {
        spec: {
          replicas: 1,
          podManagementPolicy: 'OrderedReady',
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          revisionHistoryLimit: 10,
          volumeClaimTemplates: [{ spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }],
        },
      },
    },
    {
      name: 'daemonset',
      group: 'apps',
      kind: 'DaemonSet',
      input: { spec: {} },
      expected: { spec: { revisionHistoryLimit: 10, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } } },
    },
    {
      name: 'job with uid',
      group: 'batch',
      kind: 'Job',
      input: { metadata: { name: 'pi', uid: 'u1' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'perl' }] } } } },
      expected: {
        metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'u1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u1', 'job-name': 'pi' } },
        spec: {
          completions: 1,
          parallelism: 1,
          backoffLimit: 6,
          completionMode: 'NonIndexed',
          suspend: false,
          manualSelector: false,
          podReplacementPolicy: 'TerminatingOrFailed',
          selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } },
          template: { metadata: { labels: { 'job-name': 'pi', 'controller-uid': 'u1' } }, spec: { restartPolicy: 'Never' } },
        },
      },
    },
    {
      name: 'cronjob',
      group: 'batch',
      kind: 'CronJob',
      input: { spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } } } },
      expected: { spec: { concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 } },
    },
    {
      name: 'hpa',
      group: 'autoscaling',
      kind: 'HorizontalPodAutoscaler',
      input: { spec: { maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } },
      expected: {
        spec: {
          minReplicas: 1,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
          behavior: {
            scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' },
            scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
          },
        },
      },
    },
    {
      name: 'namespace',
      group: '',
      kind: 'Namespace',
      input: { metadata: { name: 'ns1' } },
      expected: { metadata: { labels: { 'kubernetes.io/metadata.name': 'ns1' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } },
    },
    { name: 'secret', group: '', kind: 'Secret', input: { stringData: { a: 'hi' } }, expected: { type: 'Opaque', data: { a: 'aGk=' } } },
    { name: 'pvc', group: '', kind: 'PersistentVolumeClaim', input: { spec: {} }, expected: { spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } } },
    { name: 'pv', group: '', kind: 'PersistentVolume', input: { spec: {} }, expected: { spec: { persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' } } },
    {
      name: 'networkpolicy',
      group: 'networking.k8s.io',
      kind: 'NetworkPolicy',
      input: { spec: { egress: [{ ports: [{ port: 53 }] }] } },
      expected: { spec: { policyTypes: ['Ingress', 'Egress'], egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }] } },
    },
    {
      name: 'rolebinding subjects',
      group: 'rbac.authorization.k8s.io',
      kind: 'RoleBinding',
      input: { subjects: [{ kind: 'User', name: 'u' }, { kind: 'ServiceAccount', name: 'sa' }] },
      expected: { subjects: [{ apiGroup: 'rbac.authorization.k8s.io' }, { apiGroup: '' }] },
    },
    { name: 'priorityclass', group: 'scheduling.k8s.io', kind: 'PriorityClass', input: { value: 1 }, expected: { preemptionPolicy: 'PreemptLowerPriority' } },
    { name: 'storageclass', group: 'storage.k8s.io', kind: 'StorageClass', input: { provisioner: 'x' }, expected: { reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' } },
    { name: 'endpointslice', group: 'discovery.k8s.io', kind: 'EndpointSlice', input: { ports: [{ port: 80 }] }, expected: { ports: [{ name: '', protocol: 'TCP' }] } },
    {
      name: 'replicationcontroller',
      group: '',
      kind: 'ReplicationController',
      input: { spec: { template: { metadata: { labels: { app: 'a' } }, spec: { containers: [] } } } },
      expected: { metadata: { labels: { app: 'a' } }, spec: { replicas: 1, selector: { app: 'a' } } },
    },
  ];

  it.each(cases)('$name', ({ group, kind, input, expected }) => {
    const obj = clone(input);
    applyDefaults(group, kind, obj);
    expect(obj).toMatchObject(expected);
    const again = clone(obj);
    applyDefaults(group, kind, again);
    expect(again).toEqual(obj);
  });

  it('does not default a template like a pod (no requests from limits, no enableServiceLinks)', () => {
    const d: Record<string, any> = { spec: { template: { spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: '1' } } }] } } } };
    applyDefaults('apps', 'Deployment', d);
    expect(d['spec']['template']['spec']['containers'][0]['resources']).toEqual({ limits: { cpu: '1' } });
    expect(d['spec']['template']['spec']['enableServiceLinks']).toBeUndefined();
  });

  it('keeps explicit values and tolerates malformed input', () => {
    const svc: Record<string, any> = { spec: { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'UDP' }] } };
    applyDefaults('', 'Service', svc);
    expect(svc['spec']).toMatchObject({ externalTrafficPolicy: 'Local', ports: [{ protocol: 'UDP' }] });
    const bad: Record<string, any> = { spec: 'nope' };
    expect(() => applyDefaults('', 'Pod', bad)).not.toThrow();
    expect(() => applyDefaults('apps', 'Deployment', { spec: { template: 3 } })).not.toThrow();
    expect(() => applyDefaults('', 'ConfigMap', {})).not.toThrow();
  });

  it('headless selectorless services require dual stack', () => {
    const svc: Record<string, any> = { spec: { clusterIP: 'None' } };
    applyDefaults('', 'Service', svc);
    expect(svc['spec']).toMatchObject({ ipFamilyPolicy: 'RequireDualStack', clusterIPs: ['None'] });
  });
});

describe('defaultPullPolicy', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['localhost:5000/nginx', 'Always'],
    ['localhost:5000/nginx:v1', 'IfNotPresent'],
    ['nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
    ['nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'Always'],
    ['', 'IfNotPresent'],
    ['Nginx', 'IfNotPresent'],
  ])('%s → %s', (image, policy) => expect(defaultPullPolicy(image)).toBe(policy));
});

describe('computeQOSClass', () => {
  const ctr = (resources: object) => ({ name: 'c', image: 'x', resources });
  it.each([
    ['no resources', [ctr({})], 'BestEffort'],
    ['requests only', [ctr({ requests: { cpu: '100m' } })], 'Burstable'],
    ['equal', [ctr({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })], 'Guaranteed'],
    ['cpu limit only', [ctr({ requests: { cpu: '1' }, limits: { cpu: '1' } })], 'Burstable'],
    ['unequal', [ctr({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })], 'Burstable'],
  ])('%s', (_n, containers, qos) => expect(computeQOSClass({ containers })).toBe(qos));
});
