// Tests of the OpenAPI model, documents, patch schemas and unknown-field detection.
import { describe, expect, it } from 'vitest';
import { RESOURCES } from '../resources.js';
import {
  definitionFor,
  definitions,
  openApiV2,
  openApiV2Protobuf,
  openApiV3,
  openApiV3Body,
  openApiV3Hash,
  openApiV3Root,
  patchSchemaFor,
  unknownFields,
} from './index.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('model', () => {
  it('has Pod with its group-version-kind', () => {
    const pod = definitions().get('io.k8s.api.core.v1.Pod');
    expect(pod?.['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    expect(pod?.properties?.['spec']?.$ref).toBe('io.k8s.api.core.v1.PodSpec');
    expect(pod?.description).toMatch(/^Pod is a collection of containers/);
  });

  it.each([
    ['io.k8s.api.core.v1.PodSpec', 'containers', 'merge', 'name'],
    ['io.k8s.api.core.v1.PodSpec', 'volumes', 'merge,retainKeys', 'name'],
    ['io.k8s.api.core.v1.Container', 'ports', 'merge', 'containerPort'],
    ['io.k8s.api.core.v1.Container', 'volumeMounts', 'merge', 'mountPath'],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'ownerReferences', 'merge', 'uid'],
    ['io.k8s.api.core.v1.ServiceSpec', 'ports', 'merge', 'port'],
    ['io.k8s.api.apps.v1.DeploymentSpec', 'strategy', 'retainKeys', undefined],
    ['io.k8s.api.core.v1.NodeStatus', 'addresses', 'merge', 'type'],
    ['io.k8s.api.core.v1.PodSpec', 'tolerations', undefined, undefined],
    ['io.k8s.api.core.v1.NodeSpec', 'taints', undefined, undefined],
  ])('%s.%s has patch strategy %s key %s', (def, prop, strategy, key) => {
    const s = definitions().get(def)?.properties?.[prop];
    expect(s).toBeDefined();
    expect(s?.['x-kubernetes-patch-strategy']).toBe(strategy);
    expect(s?.['x-kubernetes-patch-merge-key']).toBe(key);
  });

  it.each([
    ['io.k8s.api.core.v1.ContainerPort', 'containerPort', 'integer', 'int32'],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'generation', 'integer', 'int64'],
    ['io.k8s.api.core.v1.PodSpec', 'terminationGracePeriodSeconds', 'integer', 'int64'],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'creationTimestamp', undefined, undefined],
  ])('%s.%s is %s/%s', (def, prop, type, format) => {
    const s = definitions().get(def)?.properties?.[prop];
    expect(s?.type).toBe(type);
    expect(s?.format).toBe(format);
  });

  it.each([
    ['io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'string', 'int-or-string'],
    ['io.k8s.apimachinery.pkg.api.resource.Quantity', 'string', undefined],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.Time', 'string', 'date-time'],
    ['io.k8s.apimachinery.pkg.runtime.RawExtension', 'object', undefined],
  ])('%s is %s/%s', (name, type, format) => {
    expect(definitions().get(name)?.type).toBe(type);
    expect(definitions().get(name)?.format).toBe(format);
  });

  it.each([
    ['', 'v1', 'Pod', 'io.k8s.api.core.v1.Pod'],
    ['', 'v1', 'Event', 'io.k8s.api.core.v1.Event'],
    ['events.k8s.io', 'v1', 'Event', 'io.k8s.api.events.v1.Event'],
    ['apps', 'v1', 'Deployment', 'io.k8s.api.apps.v1.Deployment'],
    ['autoscaling', 'v1', 'HorizontalPodAutoscaler', 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler'],
    ['autoscaling', 'v2', 'HorizontalPodAutoscaler', 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler'],
    ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'io.k8s.api.rbac.v1.ClusterRole'],
    ['flowcontrol.apiserver.k8s.io', 'v1', 'FlowSchema', 'io.k8s.api.flowcontrol.v1.FlowSchema'],
    ['apps', 'v1', 'DeleteOptions', 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
    ['apps', 'v1', 'Pod', undefined],
  ])('definitionFor(%j, %s, %s) = %s', (g, v, k, want) => {
    expect(definitionFor(g, v, k)).toBe(want);
  });

  it('has a definition for every served kind', () => {
    const missing = RESOURCES.flatMap((r) => r.versions.filter((v) => !definitionFor(r.group, v, r.kind)).map((v) => `${r.group}/${v}/${r.kind}`));
    expect(missing).toEqual([]);
  });
});

describe('patchSchemaFor', () => {
  const pod = patchSchemaFor('', 'v1', 'Pod');

  it('gives containers merge on name', () => {
    const c = pod?.field('spec')?.schema?.field('containers');
    expect(c?.kind).toBe('list');
    expect(c?.strategies).toEqual(['merge']);
    expect(c?.mergeKey).toBe('name');
    expect(c?.primitiveElements).toBe(false);
    expect(c?.elements?.name).toBe('io.k8s.api.core.v1.Container');
    expect(c?.elements?.field('ports')?.mergeKey).toBe('containerPort');
  });

  it.each([
    [['metadata'], 'object', []],
    [['metadata', 'labels'], 'map', []],
    [['metadata', 'finalizers'], 'list', ['merge']],
    [['metadata', 'creationTimestamp'], 'primitive', []],
    [['spec', 'volumes'], 'list', ['merge', 'retainKeys']],
    [['spec', 'tolerations'], 'list', []],
    [['spec', 'nodeSelector'], 'map', []],
    [['spec', 'overhead'], 'map', []],
    [['spec', 'restartPolicy'], 'primitive', []],
  ])('Pod %j is %s with strategies %j', (path, kind, strategies) => {
    let schema = pod;
    let f;
    for (const p of path) {
      f = schema?.field(p);
      schema = f?.schema;
    }
    expect(f?.kind).toBe(kind);
    expect(f?.strategies).toEqual(strategies);
  });

  it('treats finalizers as a primitive list without merge key', () => {
    const f = pod?.field('metadata')?.schema?.field('finalizers');
    expect(f?.primitiveElements).toBe(true);
    expect(f?.mergeKey).toBeUndefined();
  });

  it('treats resources.limits as a map of primitives and IntOrString as primitive', () => {
    const container = pod?.field('spec')?.schema?.field('containers')?.elements;
    const limits = container?.field('resources')?.schema?.field('limits');
    expect(limits?.kind).toBe('map');
    expect(limits?.elements).toBeUndefined();
    const svc = patchSchemaFor('', 'v1', 'Service');
    const port = svc?.field('spec')?.schema?.field('ports');
    expect(port?.mergeKey).toBe('port');
    expect(port?.elements?.field('targetPort')?.kind).toBe('primitive');
  });

  it('treats RawExtension as primitive and unknown names as undefined', () => {
    const rev = patchSchemaFor('apps', 'v1', 'ControllerRevision');
    expect(rev?.field('data')?.kind).toBe('primitive');
    expect(rev?.field('nope')).toBeUndefined();
    expect(pod?.field('spec')?.schema?.name).toBe('io.k8s.api.core.v1.PodSpec');
  });

  it('gives Deployment strategy retainKeys and is undefined for unknown kinds', () => {
    const d = patchSchemaFor('apps', 'v1', 'Deployment');
    expect(d?.field('spec')?.schema?.field('strategy')?.strategies).toEqual(['retainKeys']);
    expect(d?.field('spec')?.schema?.field('strategy')?.kind).toBe('object');
    expect(patchSchemaFor('apps', 'v1', 'Nope')).toBeUndefined();
  });

  it('caches schemas per definition', () => {
    expect(patchSchemaFor('', 'v1', 'Pod')).toBe(pod);
  });
});

describe('unknownFields', () => {
  it.each([
    [
      'pod typos',
      '', 'v1', 'Pod',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'x', labelz: { a: 'b' }, labels: { foo: 'bar' }, annotations: { 'x/y': 'z' } },
        spec: { containers: [{ name: 'c', image: 'i' }, { name: 'd', imagee: 'i', resources: { limits: { cpu: '1', foo: '2' } } }] },
        extra: 1,
      },
      ['metadata.labelz', 'spec.containers[1].imagee', 'extra'],
    ],
    ['clean pod', '', 'v1', 'Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { foo: 'bar' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] } }, []],
    ['configmap data is free-form', '', 'v1', 'ConfigMap', { data: { anything: 'x' }, binaryData: { b: 'eA==' }, dataa: {} }, ['dataa']],
    ['deep in deployment template', 'apps', 'v1', 'Deployment', { spec: { template: { spec: { containers: [{ name: 'c', envv: [] }] } } } }, ['spec.template.spec.containers[0].envv']],
    ['raw extension is opaque', 'apps', 'v1', 'ControllerRevision', { data: { whatever: { deep: 1 } }, revision: 1 }, []],
    ['managedFields fieldsV1 opaque', '', 'v1', 'Secret', { metadata: { managedFields: [{ fieldsV1: { 'f:data': {} }, bogus: 1 }] } }, ['metadata.managedFields[0].bogus']],
    ['type mismatch is not unknown', '', 'v1', 'Pod', { spec: 'oops', metadata: [] }, []],
    ['unknown kind', '', 'v1', 'Nope', { a: 1 }, []],
  ])('%s', (_name, g, v, k, obj, want) => {
    expect(unknownFields(g, v, k, obj)).toEqual(want);
  });
});

describe('openApiV2', () => {
  const doc = openApiV2() as J;

  it('is a swagger 2.0 document', () => {
    expect(doc['swagger']).toBe('2.0');
    expect(doc['info']).toEqual({ title: 'Kubernetes', version: 'v1.32.0' });
    expect(doc['definitions']['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    expect(doc['definitions']['io.k8s.api.core.v1.PodSpec']['properties']['containers']['items']).toEqual({ $ref: '#/definitions/io.k8s.api.core.v1.Container' });
  });

  it('has the pod collection and item paths', () => {
    const coll = doc['paths']['/api/v1/namespaces/{namespace}/pods'];
    expect(coll['get']['operationId']).toBe('listCoreV1NamespacedPod');
    expect(coll['get']['x-kubernetes-action']).toBe('list');
    expect(coll['post']['operationId']).toBe('createCoreV1NamespacedPod');
    expect(coll['delete']['operationId']).toBe('deleteCoreV1CollectionNamespacedPod');
    expect(coll['post']['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    const item = doc['paths']['/api/v1/namespaces/{namespace}/pods/{name}'];
    expect(item['patch']['consumes']).toEqual([
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
    expect(item['patch']['parameters'].map((p: J) => p['name'])).toEqual(['body', 'dryRun', 'fieldManager', 'fieldValidation', 'force']);
    expect(doc['paths']['/api/v1/pods']['get']['operationId']).toBe('listCoreV1PodForAllNamespaces');
    expect(doc['paths']['/api/v1/namespaces/{namespace}/pods/{name}/status']['put']['operationId']).toBe('replaceCoreV1NamespacedPodStatus');
  });

  it('has scale subresources in autoscaling/v1 and cluster-scoped paths', () => {
    const scale = doc['paths']['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    expect(scale['get']['operationId']).toBe('readAppsV1NamespacedDeploymentScale');
    expect(scale['get']['x-kubernetes-group-version-kind']).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect(doc['paths']['/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}']['get']['operationId']).toBe('readRbacAuthorizationV1ClusterRole');
    expect(doc['paths']['/api/v1/componentstatuses/{name}']['put']).toBeUndefined();
  });

  it('only has resolvable $refs', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    const missing = refs.map((r) => r.slice('"$ref":"#/definitions/'.length, -1)).filter((n) => !(n in doc['definitions']));
    expect(missing).toEqual([]);
  });
});

describe('openApiV3', () => {
  it('serves apps/v1 with Deployment and fieldValidation on PATCH', () => {
    const doc = openApiV3('apis/apps/v1') as J;
    expect(doc['openapi']).toBe('3.0.0');
    const dep = doc['components']['schemas']['io.k8s.api.apps.v1.Deployment'];
    expect(dep['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    expect(dep['properties']['metadata']['allOf']).toEqual([{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
    const patch = doc['paths']['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']['patch'];
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patch['parameters']).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
    expect(Object.keys(patch['requestBody']['content'])).toContain('application/strategic-merge-patch+json');
    expect(doc['components']['schemas']['io.k8s.api.core.v1.Pod']).toBeUndefined();
    expect(doc['components']['schemas']['io.k8s.api.core.v1.PodSpec']).toBeDefined();
  });

  it('serves core v1 with Pod and only resolvable refs', () => {
    const doc = openApiV3('/api/v1') as J;
    expect(doc['paths']['/api/v1/namespaces/{namespace}/pods']['post']['parameters'].map((p: J) => p['name'])).toEqual([
      'dryRun',
      'fieldManager',
      'fieldValidation',
    ]);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    const missing = refs.map((r) => r.slice('"$ref":"#/components/schemas/'.length, -1)).filter((n) => !(n in doc['components']['schemas']));
    expect(missing).toEqual([]);
  });

  it.each([
    ['api', '/api/'],
    ['apis', '/apis/'],
    ['apis/apps', '/apis/apps/'],
  ])('serves discovery doc %s', (p, path) => {
    expect((openApiV3(p) as J)['paths'][path]).toBeDefined();
  });

  it.each(['apis/apps/v2', 'apis/nope/v1', 'api/v2', 'apis/nope', 'foo'])('does not serve %s', (p) => {
    expect(openApiV3(p)).toBeUndefined();
    expect(openApiV3Hash(p)).toBeUndefined();
  });

  it('root lists every served group-version with a stable hash', () => {
    const root = openApiV3Root() as J;
    expect(root['paths']['api/v1']['serverRelativeURL']).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    expect(root['paths']['apis/autoscaling/v2']).toBeDefined();
    expect(root['paths']['apis/autoscaling/v1']).toBeDefined();
    expect(root['paths']['apis']).toBeDefined();
    const hash = openApiV3Hash('apis/apps/v1');
    expect(root['paths']['apis/apps/v1']['serverRelativeURL']).toBe(`/openapi/v3/apis/apps/v1?hash=${hash}`);
    expect(openApiV3Hash('apis/apps/v1')).toBe(hash);
    expect(openApiV3Hash('apis/batch/v1')).not.toBe(hash);
    expect(JSON.parse(openApiV3Body('apis/apps/v1') ?? '{}')).toEqual(openApiV3('apis/apps/v1'));
  });
});

/** Minimal protobuf wire reader: the fields of one message as [field number, bytes or varint]. */
function fieldsOf(buf: Buffer): Array<[number, Buffer | number]> {
  const out: Array<[number, Buffer | number]> = [];
  let i = 0;
  const varint = (): number => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++] as number;
      n += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return n;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) out.push([Math.floor(tag / 8), varint()]);
    else if (wire === 2) {
      const len = varint();
      out.push([Math.floor(tag / 8), buf.subarray(i, i + len)]);
      i += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}
const sub = (fs: Array<[number, Buffer | number]>, n: number): Buffer[] =>
  fs.filter(([f, v]) => f === n && Buffer.isBuffer(v)).map(([, v]) => v as Buffer);

describe('openApiV2Protobuf', () => {
  const top = fieldsOf(openApiV2Protobuf());

  it('encodes swagger version and info', () => {
    expect(sub(top, 1)[0]?.toString()).toBe('2.0');
    const info = fieldsOf(sub(top, 2)[0] as Buffer);
    expect(sub(info, 1)[0]?.toString()).toBe('Kubernetes');
    expect(sub(info, 2)[0]?.toString()).toBe('v1.32.0');
  });

  it('encodes paths with their operations and vendor extensions', () => {
    const paths = sub(fieldsOf(sub(top, 8)[0] as Buffer), 2).map(fieldsOf);
    const pods = paths.find((p) => sub(p, 1)[0]?.toString() === '/api/v1/namespaces/{namespace}/pods');
    expect(pods).toBeDefined();
    const post = fieldsOf(sub(pods ?? [], 2).map(fieldsOf).map((pi) => sub(pi, 4)[0] as Buffer)[0] as Buffer);
    expect(sub(post, 5)[0]?.toString()).toBe('createCoreV1NamespacedPod');
    const ext = sub(post, 13).map(fieldsOf).map((na) => [sub(na, 1)[0]?.toString(), sub(fieldsOf(sub(na, 2)[0] as Buffer), 2)[0]?.toString()]);
    expect(ext).toContainEqual(['x-kubernetes-action', '"post"\n']);
    expect(paths.length).toBe(Object.keys((openApiV2() as J)['paths']).length);
  });

  it('encodes every definition', () => {
    const defs = sub(fieldsOf(sub(top, 9)[0] as Buffer), 1).map((d) => sub(fieldsOf(d), 1)[0]?.toString());
    expect(defs).toContain('io.k8s.api.core.v1.Pod');
    expect(defs.length).toBe(Object.keys((openApiV2() as J)['definitions']).length);
  });
});
