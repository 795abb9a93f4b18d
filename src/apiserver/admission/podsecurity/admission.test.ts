// Tests for the PodSecurity admission plugin: enforce/warn/audit on pods and workloads, namespace label validation and dry runs, exemptions.
import { describe, expect, it } from 'vitest';
import { StatusError } from '../../../apimachinery/index.js';
import type { AdmissionRequest, Obj, ObjectReader } from '../../access.js';
import { PodSecurity, podSecurityPlugin, policyToEvaluate } from './admission.js';

/** An in-memory ObjectReader over a list of objects keyed by group/resource/namespace/name. */
function memReader(objs: { group?: string; resource: string; obj: Obj }[]): ObjectReader {
  const m = new Map<string, Obj>();
  const key = (g: string, r: string, ns: string, n: string) => `${g}/${r}/${ns}/${n}`;
  for (const { group = '', resource, obj } of objs) m.set(key(group, resource, obj.metadata.namespace ?? '', obj.metadata.name), obj);
  return {
    get: (g, r, ns, n) => m.get(key(g, r, ns, n)),
    list: (g, r, ns) =>
      [...m.entries()]
        .filter(([k]) => k.startsWith(`${g}/${r}/${ns ? `${ns}/` : ''}`))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([, v]) => v),
  };
}

const ns = (name: string, labels: Record<string, string> = {}) => ({ resource: 'namespaces', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } } });
const pod = (name: string, spec: Obj, namespace = 'default', metadata: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, ...metadata }, spec });

const privilegedSpec = { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }] };
const bareSpec = { containers: [{ name: 'c', image: 'nginx' }] };
const restrictedSpec = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'c', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
};
const RESTRICTED_BARE_DETAIL =
  'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

function request(r: Partial<AdmissionRequest> & Pick<AdmissionRequest, 'resource' | 'object'>): AdmissionRequest {
  const o = r.object;
  return {
    operation: 'CREATE',
    group: '',
    version: 'v1',
    kind: 'Pod',
    subresource: '',
    namespace: o?.metadata?.namespace ?? '',
    name: o?.metadata?.name ?? '',
    oldObject: undefined,
    user: { name: 'alice', groups: ['system:authenticated'] },
    dryRun: false,
    warnings: [],
    ...r,
  };
}

/** Runs the plugin; returns the thrown StatusError (or undefined), the warnings and the audit annotations. */
async function run(reader: ObjectReader, req: AdmissionRequest, opts: Parameters<typeof podSecurityPlugin>[1] = {}) {
  let audit: Record<string, string> = {};
  const plugin = podSecurityPlugin(reader, { ...opts, onAuditAnnotations: (_r, a) => (audit = a) });
  let error: StatusError | undefined;
  try {
    await plugin.validate!(req);
  } catch (e) {
    if (!(e instanceof StatusError)) throw e;
    error = e;
  }
  return { error, warnings: req.warnings, audit };
}

describe('pods', () => {
  const cases: {
    name: string;
    labels: Record<string, string>;
    spec: Obj;
    error?: string;
    warnings?: string[];
    audit?: Record<string, string>;
  }[] = [
    {
      name: 'privileged pod refused under enforce=baseline',
      labels: { 'pod-security.kubernetes.io/enforce': 'baseline' },
      spec: privilegedSpec,
      error: 'pods "p" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
      audit: { 'pod-security.kubernetes.io/enforce-policy': 'baseline:latest' },
    },
    {
      name: 'bare pod refused under enforce=restricted with the four reasons',
      labels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
      spec: bareSpec,
      error: `pods "p" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED_BARE_DETAIL}`,
    },
    {
      name: 'pinned version is printed as pinned',
      labels: { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.25' },
      spec: privilegedSpec,
      error: 'pods "p" is forbidden: violates PodSecurity "baseline:v1.25": privileged (container "c" must not set securityContext.privileged=true)',
    },
    {
      name: 'compliant pod allowed under enforce=restricted',
      labels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
      spec: restrictedSpec,
      warnings: [],
      audit: { 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' },
    },
    {
      name: 'warn only: allowed with a warning',
      labels: { 'pod-security.kubernetes.io/warn': 'restricted' },
      spec: bareSpec,
      warnings: [`would violate PodSecurity "restricted:latest": ${RESTRICTED_BARE_DETAIL}`],
    },
    {
      name: 'audit only: allowed with the audit annotation, no warning',
      labels: { 'pod-security.kubernetes.io/audit': 'baseline' },
      spec: privilegedSpec,
      warnings: [],
      audit: {
        'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
        'pod-security.kubernetes.io/audit-violations': 'would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
      },
    },
    {
      name: 'refused requests get no warn warnings',
      labels: { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted' },
      spec: privilegedSpec,
      error: 'pods "p" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
      warnings: [],
    },
    {
      name: 'no labels: privileged, allowed silently',
      labels: {},
      spec: privilegedSpec,
      warnings: [],
      audit: { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' },
    },
    {
      name: 'invalid enforce label fails closed to restricted and records the error',
      labels: { 'pod-security.kubernetes.io/enforce': 'bogus' },
      spec: restrictedSpec,
      audit: {
        'pod-security.kubernetes.io/error':
          'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted',
        'pod-security.kubernetes.io/enforce-policy': 'restricted:latest',
      },
    },
  ];
  it.each(cases)('$name', async ({ labels, spec, error, warnings, audit }) => {
    const reader = memReader([ns('default', labels)]);
    const r = await run(reader, request({ resource: 'pods', object: pod('p', spec) }));
    if (error) {
      expect(r.error?.code).toBe(403);
      expect(r.error?.reason).toBe('Forbidden');
      expect(r.error?.message).toBe(error);
    } else {
      expect(r.error).toBeUndefined();
    }
    if (warnings) expect(r.warnings).toEqual(warnings);
    if (audit) expect(r.audit).toEqual(audit);
  });

  it('a generateName pod is refused under the name it got', async () => {
    const reader = memReader([ns('default', { 'pod-security.kubernetes.io/enforce': 'baseline' })]);
    const req = request({ resource: 'pods', object: pod('web-x7k2p', privilegedSpec), name: '' });
    const r = await run(reader, req);
    expect(r.error?.message).toMatch(/^pods "web-x7k2p" is forbidden: /);
  });

  it('updates that only touch metadata or allowed fields are not checked; image changes are', async () => {
    const reader = memReader([ns('default', { 'pod-security.kubernetes.io/enforce': 'baseline' })]);
    const old = pod('p', privilegedSpec);
    const relabeled = pod('p', privilegedSpec, 'default', { labels: { a: 'b' } });
    expect((await run(reader, request({ operation: 'UPDATE', resource: 'pods', object: relabeled, oldObject: old }))).error).toBeUndefined();
    const newImage = pod('p', { containers: [{ ...privilegedSpec.containers[0], image: 'nginx:2' }] });
    expect((await run(reader, request({ operation: 'UPDATE', resource: 'pods', object: newImage, oldObject: old }))).error?.code).toBe(403);
  });

  it('ignores status and other spec-less subresources', async () => {
    const reader = memReader([ns('default', { 'pod-security.kubernetes.io/enforce': 'baseline' })]);
    const r = await run(reader, request({ operation: 'UPDATE', resource: 'pods', subresource: 'status', object: pod('p', privilegedSpec), oldObject: pod('p', bareSpec) }));
    expect(r.error).toBeUndefined();
  });

  it('a missing namespace is an internal error, as upstream', async () => {
    const r = await run(memReader([]), request({ resource: 'pods', object: pod('p', bareSpec, 'nope') }));
    expect(r.error?.code).toBe(500);
    expect(r.error?.message).toBe('Internal error occurred: failed to lookup namespace "nope"');
  });

  const exemptions: { name: string; opts: Parameters<typeof podSecurityPlugin>[1]; spec: Obj; exempt: string }[] = [
    { name: 'namespace', opts: { exemptions: { namespaces: ['default'] } }, spec: privilegedSpec, exempt: 'namespace' },
    { name: 'user', opts: { exemptions: { usernames: ['alice'] } }, spec: privilegedSpec, exempt: 'user' },
    { name: 'runtime class', opts: { exemptions: { runtimeClasses: ['kata'] } }, spec: { ...privilegedSpec, runtimeClassName: 'kata' }, exempt: 'runtimeClass' },
  ];
  it.each(exemptions)('exemption by $name', async ({ opts, spec, exempt }) => {
    const reader = memReader([ns('default', { 'pod-security.kubernetes.io/enforce': 'restricted' })]);
    const r = await run(reader, request({ resource: 'pods', object: pod('p', spec) }), opts);
    expect(r.error).toBeUndefined();
    expect(r.audit).toEqual({ 'pod-security.kubernetes.io/exempt': exempt });
  });

  it('configured defaults apply to namespaces without labels', async () => {
    const reader = memReader([ns('default')]);
    const r = await run(reader, request({ resource: 'pods', object: pod('p', privilegedSpec) }), { defaults: { enforce: 'baseline' } });
    expect(r.error?.code).toBe(403);
    expect(() => new PodSecurity(reader, { defaults: { warn: 'strict' } })).toThrow(/must be one of privileged, baseline, restricted/);
  });
});

describe('workload resources', () => {
  const template = (spec: Obj) => ({ metadata: { labels: { app: 'x' } }, spec });
  const workloads: { name: string; group: string; resource: string; kind: string; object: Obj }[] = [
    { name: 'Deployment', group: 'apps', resource: 'deployments', kind: 'Deployment', object: { spec: { template: template(bareSpec) } } },
    { name: 'CronJob', group: 'batch', resource: 'cronjobs', kind: 'CronJob', object: { spec: { jobTemplate: { spec: { template: template(bareSpec) } } } } },
    { name: 'PodTemplate', group: '', resource: 'podtemplates', kind: 'PodTemplate', object: { template: template(bareSpec) } },
    { name: 'ReplicationController', group: '', resource: 'replicationcontrollers', kind: 'ReplicationController', object: { spec: { template: template(bareSpec) } } },
  ];
  it.each(workloads)('$name under enforce=restricted and warn=restricted is allowed with a warning', async ({ group, resource, kind, object }) => {
    const reader = memReader([ns('default', { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' })]);
    const obj = { ...object, metadata: { name: 'w', namespace: 'default' } };
    const r = await run(reader, request({ group, resource, kind, object: obj }));
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual([`would violate PodSecurity "restricted:latest": ${RESTRICTED_BARE_DETAIL}`]);
  });

  it('enforce alone does not touch workloads', async () => {
    const reader = memReader([ns('default', { 'pod-security.kubernetes.io/enforce': 'restricted' })]);
    const obj = { metadata: { name: 'w', namespace: 'default' }, spec: { template: template(bareSpec) } };
    const r = await run(reader, request({ group: 'apps', resource: 'deployments', kind: 'Deployment', object: obj }));
    expect(r).toEqual({ error: undefined, warnings: [], audit: {} });
  });

  it('the scale subresource is not checked, nor are unrelated resources', async () => {
    const reader = memReader([ns('default', { 'pod-security.kubernetes.io/warn': 'restricted' })]);
    const obj = { metadata: { name: 'w', namespace: 'default' }, spec: { template: template(bareSpec) } };
    expect((await run(reader, request({ group: 'apps', resource: 'deployments', subresource: 'scale', object: obj }))).warnings).toEqual([]);
    expect((await run(reader, request({ resource: 'configmaps', object: obj }))).warnings).toEqual([]);
  });
});

describe('namespaces', () => {
  const nsObj = (name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  const nsRequest = (operation: 'CREATE' | 'UPDATE', name: string, labels: Record<string, string>, oldLabels?: Record<string, string>) =>
    request({
      operation,
      resource: 'namespaces',
      kind: 'Namespace',
      namespace: operation === 'UPDATE' ? name : '',
      name,
      object: nsObj(name, labels),
      oldObject: oldLabels ? nsObj(name, oldLabels) : undefined,
    });

  it('invalid label values are refused with 422 on create', async () => {
    const r = await run(memReader([]), nsRequest('CREATE', 'x', { 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/warn-version': '1.25' }));
    expect(r.error?.code).toBe(422);
    expect(r.error?.message).toBe(
      'Namespace "x" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted, ' +
        'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.25": must be "latest" or "v1.x"]',
    );
  });

  it('unchanged invalid labels do not block an update', async () => {
    const bad = { 'pod-security.kubernetes.io/enforce': 'strict' };
    const r = await run(memReader([]), nsRequest('UPDATE', 'x', { ...bad, other: 'y' }, bad));
    expect(r.error).toBeUndefined();
  });

  it('tightening enforce warns about existing pods that violate it', async () => {
    const rsOwner = (uid: string) => ({ ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid, controller: true }] });
    const reader = memReader([
      ns('x'),
      { resource: 'pods', obj: pod('a', privilegedSpec, 'x') },
      { resource: 'pods', obj: pod('b', privilegedSpec, 'x') },
      { resource: 'pods', obj: pod('c', { hostNetwork: true, containers: [{ name: 'c' }] }, 'x', rsOwner('u1')) },
      { resource: 'pods', obj: pod('d', restrictedSpec, 'x') },
      { resource: 'pods', obj: pod('e', privilegedSpec, 'other') },
    ]);
    const r = await run(reader, nsRequest('UPDATE', 'x', { 'pod-security.kubernetes.io/enforce': 'baseline' }, {}));
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual([
      'existing pods in namespace "x" violate the new PodSecurity enforce level "baseline:latest"',
      'a (and 1 other pod): privileged',
      'c: host namespaces',
    ]);
  });

  it('relaxing enforce, or leaving it, checks nothing', async () => {
    const reader = memReader([ns('x'), { resource: 'pods', obj: pod('a', privilegedSpec, 'x') }]);
    const restricted = { 'pod-security.kubernetes.io/enforce': 'restricted' };
    const baseline = { 'pod-security.kubernetes.io/enforce': 'baseline' };
    expect((await run(reader, nsRequest('UPDATE', 'x', baseline, restricted))).warnings).toEqual([]);
    expect((await run(reader, nsRequest('UPDATE', 'x', { ...baseline, a: 'b' }, baseline))).warnings).toEqual([]);
  });

  it('only the first maxPodsToCheck pods are checked, and the warning says so', async () => {
    const reader = memReader([ns('x'), ...['a', 'b', 'c'].map((n) => ({ resource: 'pods', obj: pod(n, privilegedSpec, 'x') }))]);
    const r = await run(reader, nsRequest('UPDATE', 'x', { 'pod-security.kubernetes.io/enforce': 'baseline' }, {}), { maxPodsToCheck: 2 });
    expect(r.warnings).toEqual([
      'new PodSecurity enforce level only checked against the first 2 of 3 existing pods',
      'existing pods in namespace "x" violate the new PodSecurity enforce level "baseline:latest"',
      'a (and 1 other pod): privileged',
    ]);
  });

  it('labels on an exempt namespace draw a warning', async () => {
    const r = await run(memReader([]), nsRequest('CREATE', 'kube-system', { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'baseline' }), {
      exemptions: { namespaces: ['kube-system'] },
    });
    expect(r.warnings).toEqual(['namespace "kube-system" is exempt from Pod Security, and the policy (enforce=restricted:latest, warn=baseline:latest) will be ignored']);
  });
});

describe('policyToEvaluate', () => {
  it('audit and warn fail open, enforce fails closed, versions fall back to latest', () => {
    const { policy, errors } = policyToEvaluate({
      'pod-security.kubernetes.io/enforce': 'x',
      'pod-security.kubernetes.io/audit': 'y',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.x',
      'pod-security.kubernetes.io/audit-version': 'v1.23',
    });
    expect(policy).toEqual({
      enforce: { level: 'restricted', version: 'latest' },
      audit: { level: 'privileged', version: 23 },
      warn: { level: 'restricted', version: 'latest' },
    });
    expect(errors.map((e) => e.field)).toEqual([
      'metadata.labels[pod-security.kubernetes.io/enforce]',
      'metadata.labels[pod-security.kubernetes.io/audit]',
      'metadata.labels[pod-security.kubernetes.io/warn-version]',
    ]);
  });
});
