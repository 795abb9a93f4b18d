// Strategic merge patch: apply with every directive, error messages, and two-/three-way creation, against hand-made schemas.
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { PatchError, type Json } from './patch.js';
import type { PatchField, PatchSchema } from './patchschema.js';
import { applyStrategicMergePatch, createThreeWayMergePatch, createTwoWayMergePatch, goFormat } from './strategicpatch.js';

// ---- hand-made schemas --------------------------------------------------------------------------------------

function struct(name: string, fields: Record<string, PatchField>): PatchSchema {
  return { name, field: (n) => fields[n] };
}
const prim: PatchField = { kind: 'primitive', strategies: [] };
const strMap: PatchField = { kind: 'map', strategies: [] };
const obj = (schema: PatchSchema, strategies: string[] = []): PatchField => ({ kind: 'object', strategies, schema });
const mergeList = (mergeKey: string, elements: PatchSchema, extra: string[] = []): PatchField => ({
  kind: 'list',
  strategies: ['merge', ...extra],
  mergeKey,
  elements,
  primitiveElements: false,
});
const setList: PatchField = { kind: 'list', strategies: ['merge'], primitiveElements: true };
const atomicList = (elements?: PatchSchema): PatchField => ({ kind: 'list', strategies: [], elements, primitiveElements: !elements });

const envVar = struct('io.k8s.api.core.v1.EnvVar', { name: prim, value: prim });
const port = struct('io.k8s.api.core.v1.ContainerPort', { containerPort: prim, protocol: prim, name: prim });
const resources = struct('io.k8s.api.core.v1.ResourceRequirements', { limits: strMap, requests: strMap });
const container = struct('io.k8s.api.core.v1.Container', {
  name: prim,
  image: prim,
  args: atomicList(),
  ports: mergeList('containerPort', port),
  env: mergeList('name', envVar),
  resources: obj(resources),
});
const volume = struct('io.k8s.api.core.v1.Volume', {
  name: prim,
  emptyDir: obj(struct('io.k8s.api.core.v1.EmptyDirVolumeSource', { medium: prim })),
  configMap: obj(struct('io.k8s.api.core.v1.ConfigMapVolumeSource', { name: prim })),
});
const toleration = struct('io.k8s.api.core.v1.Toleration', { key: prim, operator: prim, effect: prim });
const podSpec = struct('io.k8s.api.core.v1.PodSpec', {
  containers: mergeList('name', container),
  initContainers: mergeList('name', container),
  volumes: mergeList('name', volume, ['retainKeys']),
  tolerations: atomicList(toleration),
  nodeSelector: strMap,
  restartPolicy: prim,
});
const objectMeta = struct('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', {
  name: prim,
  labels: strMap,
  annotations: strMap,
  finalizers: setList,
});
const podSchema = struct('io.k8s.api.core.v1.Pod', { metadata: obj(objectMeta), spec: obj(podSpec) });
const strategy = struct('io.k8s.api.apps.v1.DeploymentStrategy', {
  type: prim,
  rollingUpdate: obj(struct('io.k8s.api.apps.v1.RollingUpdateDeployment', { maxSurge: prim, maxUnavailable: prim })),
});
const deploySchema = struct('io.k8s.api.apps.v1.Deployment', {
  metadata: obj(objectMeta),
  spec: obj(
    struct('io.k8s.api.apps.v1.DeploymentSpec', {
      replicas: prim,
      strategy: obj(strategy, ['retainKeys']),
      template: obj(struct('io.k8s.api.core.v1.PodTemplateSpec', { metadata: obj(objectMeta), spec: obj(podSpec) })),
    }),
  ),
});

// The shape of upstream's own test type (MergeItem), so that its documented cases can be checked as-is.
const mergeItemFields: Record<string, PatchField> = {};
const mergeItem = struct('mergeItem', mergeItemFields);
const retainKeysItem = struct('retainKeysMergeItem', {
  name: prim,
  value: prim,
  other: prim,
  simpleMap: strMap,
  mergingIntList: setList,
  mergingList: mergeList('name', mergeItem),
  nonMergingList: atomicList(mergeItem),
});
Object.assign(mergeItemFields, {
  name: prim,
  value: prim,
  other: prim,
  mergingList: mergeList('name', mergeItem),
  nonMergingList: atomicList(mergeItem),
  mergingIntList: setList,
  nonMergingIntList: atomicList(),
  simpleMap: strMap,
  replacingItem: { kind: 'object', strategies: ['replace'] },
  retainKeysMap: obj(retainKeysItem, ['retainKeys']),
  retainKeysMergingList: mergeList('name', mergeItem, ['retainKeys']),
} satisfies Record<string, PatchField>);

const y = (s: string): Json => (parse(s) as Json) ?? {};
const hasDirective = (v: Json): boolean =>
  Array.isArray(v) ? v.some(hasDirective) : typeof v === 'object' && v !== null ? Object.entries(v).some(([k, e]) => k.startsWith('$') || hasDirective(e)) : false;

function applyErr(original: Json, patch: Json, schema: PatchSchema | undefined): string {
  try {
    applyStrategicMergePatch(original, patch, schema);
  } catch (e) {
    expect(e).toBeInstanceOf(PatchError);
    return (e as Error).message;
  }
  throw new Error('expected a PatchError');
}

// ---- apply ----------------------------------------------------------------------------------------------------

describe('applyStrategicMergePatch', () => {
  it.each<[string, PatchSchema | undefined, string, string, string]>([
    ['null deletes a field, maps merge', podSchema, 'metadata: {name: a, labels: {x: "1", y: "2"}}', 'metadata: {labels: {x: null, z: "3"}}', 'metadata: {name: a, labels: {y: "2", z: "3"}}'],
    ['no schema: maps merge, lists replaced', undefined, 'a: {b: 1, c: [1, 2]}', 'a: {c: [3], d: x}', 'a: {b: 1, c: [3], d: x}'],
    ['unknown field behaves as a merge patch', podSchema, 'spec: {extra: {a: [1], b: 2}}', 'spec: {extra: {a: [2]}}', 'spec: {extra: {a: [2], b: 2}}'],
    ['null for a missing field is dropped', podSchema, 'spec: {restartPolicy: Always}', 'spec: {nodeSelector: null}', 'spec: {restartPolicy: Always}'],
    ['new values lose their nulls', podSchema, '{}', 'metadata: {labels: {a: "1", b: null}}', 'metadata: {labels: {a: "1"}}'],
    ['type change replaces', podSchema, 'spec: {extra: [1]}', 'spec: {extra: {a: 1}}', 'spec: {extra: {a: 1}}'],
    [
      'containers merge by name; matching element merged recursively',
      podSchema,
      'spec: {containers: [{name: a, image: x, env: [{name: A, value: "1"}]}, {name: b, image: y}]}',
      'spec: {containers: [{name: b, image: z}]}',
      'spec: {containers: [{name: a, image: x, env: [{name: A, value: "1"}]}, {name: b, image: z}]}',
    ],
    [
      'without $setElementOrder, a new element comes before the server-only ones (upstream order)',
      podSchema,
      'spec: {containers: [{name: a}, {name: b}]}',
      'spec: {containers: [{name: c, image: i}]}',
      'spec: {containers: [{name: c, image: i}, {name: a}, {name: b}]}',
    ],
    [
      'patch order wins over live order for patched elements',
      mergeItem,
      'mergingList: [{name: "1"}, {name: "2", value: b}, {name: "3"}]',
      'mergingList: [{name: "3", value: c}, {name: "1", value: a}]',
      'mergingList: [{name: "2", value: b}, {name: "3", value: c}, {name: "1", value: a}]',
    ],
    [
      '$setElementOrder puts patched elements in order and keeps server-only ones after their live neighbours',
      mergeItem,
      'retainKeysMap: {name: foo, mergingList: [{name: a}, {name: b}, {name: x}]}',
      'retainKeysMap: {$retainKeys: [mergingList, name], $setElementOrder/mergingList: [{name: a}, {name: b}, {name: c}], mergingList: [{name: c}]}',
      'retainKeysMap: {name: foo, mergingList: [{name: a}, {name: b}, {name: c}, {name: x}]}',
    ],
    [
      '$setElementOrder alone reorders the live list, ignoring names it lacks',
      mergeItem,
      'mergingList: [{name: "1"}, {name: "3"}]',
      '$setElementOrder/mergingList: [{name: "3"}, {name: "2"}, {name: "1"}]',
      'mergingList: [{name: "3"}, {name: "1"}]',
    ],
    [
      'ports merge by a numeric merge key',
      podSchema,
      'spec: {containers: [{name: a, ports: [{containerPort: 80, protocol: TCP}, {containerPort: 443}]}]}',
      'spec: {containers: [{name: a, ports: [{containerPort: 443, name: https}]}]}',
      'spec: {containers: [{name: a, ports: [{containerPort: 80, protocol: TCP}, {containerPort: 443, name: https}]}]}',
    ],
    [
      '$patch: delete removes the element with that merge key',
      podSchema,
      'spec: {containers: [{name: a, env: [{name: A}, {name: B}, {name: C}]}]}',
      'spec: {containers: [{name: a, env: [{name: B, $patch: delete}]}]}',
      'spec: {containers: [{name: a, env: [{name: A}, {name: C}]}]}',
    ],
    [
      '$patch: delete removes every duplicate',
      mergeItem,
      'mergingList: [{name: "1"}, {name: "1"}, {name: "2", value: a}]',
      'mergingList: [{name: "1", $patch: delete}]',
      'mergingList: [{name: "2", value: a}]',
    ],
    ['$patch: replace element replaces the list', mergeItem, 'mergingList: [{name: "1"}, {name: "2"}]', 'mergingList: [{$patch: replace}, {name: "3", value: x}]', 'mergingList: [{name: "3", value: x}]'],
    ['$patch: replace alone empties the list', mergeItem, 'mergingList: [{name: "1"}, {name: "2"}]', 'mergingList: [{$patch: replace}]', 'mergingList: []'],
    ['$patch: replace in a map replaces it', podSchema, 'metadata: {labels: {a: "1", b: "2"}}', 'metadata: {labels: {$patch: replace, c: "3"}}', 'metadata: {labels: {c: "3"}}'],
    ['$patch: delete in a map empties it', mergeItem, 'simpleMap: {key1: "1", key2: "1"}', 'simpleMap: {$patch: delete}', 'simpleMap: {}'],
    ['$patch: replace at the top', mergeItem, 'name: "1"\nvalue: "1"', 'other: a\n$patch: replace', 'other: a'],
    ['primitive merge list: union, live order first', mergeItem, 'mergingIntList: [1, 2]', 'mergingIntList: [2, 3]', 'mergingIntList: [1, 2, 3]'],
    ['primitive merge list: patch order for patched values', mergeItem, 'mergingIntList: [1, 2, 3]', 'mergingIntList: [3, 1]', 'mergingIntList: [2, 3, 1]'],
    ['primitive merge list: a new value goes first without $setElementOrder', podSchema, 'metadata: {finalizers: [a, b]}', 'metadata: {finalizers: [c]}', 'metadata: {finalizers: [c, a, b]}'],
    [
      '$deleteFromPrimitiveList removes values (all duplicates)',
      mergeItem,
      'mergingIntList: [1, 2, 3, 3, 4]',
      '$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]',
      'mergingIntList: [1, 2, 4]',
    ],
    [
      'add and delete in a primitive list with $setElementOrder',
      mergeItem,
      'mergingIntList: [1, 2, 3, 4]',
      '$setElementOrder/mergingIntList: [1, 2, 5]\n$deleteFromPrimitiveList/mergingIntList: [3]\nmergingIntList: [5]',
      'mergingIntList: [1, 2, 5, 4]',
    ],
    ['$deleteFromPrimitiveList on a missing list is a no-op', podSchema, 'metadata: {name: a}', 'metadata: {$deleteFromPrimitiveList/finalizers: [x]}', 'metadata: {name: a}'],
    ['atomic list (tolerations) is replaced', podSchema, 'spec: {tolerations: [{key: a}, {key: b}]}', 'spec: {tolerations: [{key: c}]}', 'spec: {tolerations: [{key: c}]}'],
    ['atomic primitive list (args) is replaced', podSchema, 'spec: {containers: [{name: a, args: [x, y]}]}', 'spec: {containers: [{name: a, args: [y]}]}', 'spec: {containers: [{name: a, args: [y]}]}'],
    [
      '$retainKeys clears what it does not list (deployment strategy)',
      deploySchema,
      'spec: {strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}}',
      'spec: {strategy: {$retainKeys: [type], type: Recreate}}',
      'spec: {strategy: {type: Recreate}}',
    ],
    [
      'without $retainKeys a retainKeys field merges normally',
      deploySchema,
      'spec: {strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}}',
      'spec: {strategy: {rollingUpdate: {maxUnavailable: 0}}}',
      'spec: {strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}',
    ],
    [
      '$retainKeys in a list element (volume source switch)',
      podSchema,
      'spec: {volumes: [{name: v, configMap: {name: cm}}, {name: w, emptyDir: {}}]}',
      'spec: {$setElementOrder/volumes: [{name: v}, {name: w}], volumes: [{name: v, $retainKeys: [emptyDir, name], emptyDir: {medium: Memory}}]}',
      'spec: {volumes: [{name: v, emptyDir: {medium: Memory}}, {name: w, emptyDir: {}}]}',
    ],
    [
      'directives never reach the output in new subtrees',
      podSchema,
      'metadata: {name: a}',
      'spec: {$setElementOrder/containers: [{name: c}], containers: [{name: c, $retainKeys: [name], env: [{name: X, $patch: delete}, {name: Y}]}], volumes: [{name: v, $patch: delete}]}',
      'metadata: {name: a}\nspec: {containers: [{name: c, env: [{name: Y}]}], volumes: []}',
    ],
    [
      'a new element appended to a live list loses its directives and nulls',
      podSchema,
      'spec: {containers: [{name: a}]}',
      'spec: {containers: [{name: b, image: null, env: [{name: X, $patch: delete}]}]}',
      'spec: {containers: [{name: b, env: []}, {name: a}]}',
    ],
  ])('%s', (_name, schema, original, patch, expected) => {
    const o = y(original);
    const p = y(patch);
    const before = JSON.stringify([o, p]);
    const out = applyStrategicMergePatch(o, p, schema);
    expect(out).toEqual(y(expected));
    expect(JSON.stringify(out)).toBe(JSON.stringify(y(expected))); // list order and content, exactly
    expect(hasDirective(out)).toBe(false);
    expect(JSON.stringify([o, p])).toBe(before); // inputs untouched
  });

  it.each<[string, PatchSchema | undefined, string, string, string]>([
    ['missing merge key', podSchema, 'spec: {containers: [{name: a}]}', 'spec: {containers: [{image: b}]}', 'map: map[image:b] does not contain declared merge key: name'],
    ['missing numeric merge key', podSchema, 'spec: {containers: [{name: a, ports: [{containerPort: 80}]}]}', 'spec: {containers: [{name: a, ports: [{protocol: UDP}]}]}', 'map: map[protocol:UDP] does not contain declared merge key: containerPort'],
    ['delete directive without merge key', podSchema, 'spec: {containers: [{name: a}]}', 'spec: {containers: [{$patch: delete, image: x}]}', 'map: map[$patch:delete image:x] does not contain declared merge key: name'],
    ['unknown $patch in a map', podSchema, 'metadata: {labels: {a: "1"}}', 'metadata: {labels: {$patch: foo, a: b}}', 'unknown patch type: foo in map: map[$patch:foo a:b]'],
    ['unknown $patch in a list element', podSchema, 'spec: {containers: [{name: a}]}', 'spec: {containers: [{name: a, $patch: bogus}]}', 'unknown patch type: bogus in map: map[$patch:bogus name:a]'],
    ['$patch: merge in a list element', podSchema, 'spec: {containers: [{name: a}]}', 'spec: {containers: [{name: a, $patch: merge}]}', 'merging lists cannot yet be specified in the patch'],
    ['$retainKeys must list every patched key', deploySchema, 'spec: {strategy: {type: A}}', 'spec: {strategy: {$retainKeys: [type], type: B, rollingUpdate: {maxSurge: 1}}}', 'invalid patch format of retainKeys'],
    ['$retainKeys must be a list', deploySchema, 'spec: {strategy: {type: A}}', 'spec: {strategy: {$retainKeys: type}}', 'invalid patch format of retainKeys'],
    [
      '$setElementOrder must agree with the patch order',
      mergeItem,
      'mergingIntList: [1, 3, 2]',
      '$setElementOrder/mergingIntList: [1, 2, 3]\nmergingIntList: [3, 1]',
      "The order in patch list:\n[3 1]\n doesn't match $setElementOrder list:\n[1 2 3]\n",
    ],
    ['$setElementOrder must be a list', mergeItem, 'mergingIntList: [1]', '$setElementOrder/mergingIntList: 1', 'expected a []interface {}, but received a float64'],
    ['mixed element types', mergeItem, 'mergingIntList: [1, 2]', 'mergingIntList: [a]', 'list element types are not identical: [[1 2] [a]]'],
    ['$patch in a primitive list (use $deleteFromPrimitiveList)', podSchema, 'metadata: {finalizers: [a]}', 'metadata: {finalizers: [{$patch: delete}]}', 'list element types are not identical: [[a] [map[$patch:delete]]]'],
    ['lists of lists', mergeItem, 'mergingIntList: [[1]]', 'mergingIntList: [[2]]', 'lists of lists are not supported'],
    ['patch must be an object', podSchema, '{}', '[1]', 'invalid JSON document'],
  ])('%s', (_name, schema, original, patch, message) => {
    expect(applyErr(y(original), y(patch), schema)).toBe(message);
  });

  it('formats numbers in messages the way Go does', () => {
    expect(goFormat({ b: 1e6, a: 1.5, c: [true, null, 100000] })).toBe('map[a:1.5 b:1e+06 c:[true <nil> 100000]]');
  });
});

// ---- patch creation ------------------------------------------------------------------------------------------

describe('createTwoWayMergePatch', () => {
  it.each<[string, PatchSchema, string, string, string]>([
    ['added and deleted fields', mergeItem, 'name: "1"', 'value: "1"', 'name: null\nvalue: "1"'],
    ['no change, empty patch', mergeItem, 'name: "1"\nmergingList: [{name: a}]', 'name: "1"\nmergingList: [{name: a}]', '{}'],
    [
      'delete from a primitive merge list',
      mergeItem,
      'mergingIntList: [1, 2, 3]',
      'mergingIntList: [1, 2]',
      '$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    ],
    [
      'add to a list of maps',
      mergeItem,
      'mergingList: [{name: "1"}, {name: "2", value: "2"}]',
      'mergingList: [{name: "4", value: "4"}, {name: "1"}, {name: "2", value: "2"}, {name: "3", value: "3"}]',
      '$setElementOrder/mergingList: [{name: "4"}, {name: "1"}, {name: "2"}, {name: "3"}]\nmergingList: [{name: "4", value: "4"}, {name: "3", value: "3"}]',
    ],
    [
      'delete from a list of maps',
      mergeItem,
      'mergingList: [{name: a}, {name: b}]',
      'mergingList: [{name: a}]',
      '$setElementOrder/mergingList: [{name: a}]\nmergingList: [{name: b, $patch: delete}]',
    ],
    [
      'retainKeys map gets $retainKeys',
      mergeItem,
      'retainKeysMap: {name: foo, nonMergingList: [{name: a}]}',
      'retainKeysMap: {name: foo, value: bar}',
      'retainKeysMap: {$retainKeys: [name, value], value: bar, nonMergingList: null}',
    ],
    ['atomic list replaced whole', mergeItem, 'nonMergingIntList: [1, 2]', 'nonMergingIntList: [2, 3]', 'nonMergingIntList: [2, 3]'],
  ])('%s', (_name, schema, original, modified, expected) => {
    expect(createTwoWayMergePatch(y(original), y(modified), schema)).toEqual(y(expected));
  });

  // apply(original, twoWay(original, modified)) == modified, exactly (order included).
  const pairs: [string, PatchSchema, string, string][] = [
    ['image change', podSchema, 'spec: {containers: [{name: a, image: x}]}', 'spec: {containers: [{name: a, image: y}]}'],
    ['container reorder', podSchema, 'spec: {containers: [{name: a}, {name: b}, {name: c}]}', 'spec: {containers: [{name: c}, {name: a}, {name: b}]}'],
    ['container added in the middle', podSchema, 'spec: {containers: [{name: a}, {name: c}]}', 'spec: {containers: [{name: a}, {name: b, image: i}, {name: c}]}'],
    ['container removed', podSchema, 'spec: {containers: [{name: a}, {name: b}, {name: c}]}', 'spec: {containers: [{name: a}, {name: c}]}'],
    ['all containers removed', podSchema, 'spec: {containers: [{name: a}, {name: b}]}', 'spec: {containers: []}'],
    ['finalizer removed and added', podSchema, 'metadata: {finalizers: [x, y, z]}', 'metadata: {finalizers: [w, x, z]}'],
    ['finalizers reordered', podSchema, 'metadata: {finalizers: [x, y, z]}', 'metadata: {finalizers: [z, x, y]}'],
    ['labels changed', podSchema, 'metadata: {labels: {a: "1", b: "2"}, annotations: {k: v}}', 'metadata: {labels: {a: "3", c: "4"}}'],
    [
      'nested env and ports',
      podSchema,
      'spec: {containers: [{name: a, env: [{name: A, value: "1"}, {name: B, value: "2"}], ports: [{containerPort: 80}, {containerPort: 443}]}]}',
      'spec: {containers: [{name: a, env: [{name: B, value: "3"}, {name: C, value: "4"}], ports: [{containerPort: 8080}, {containerPort: 80, protocol: TCP}]}]}',
    ],
    [
      'volume source switch (retainKeys)',
      podSchema,
      'spec: {volumes: [{name: v, configMap: {name: cm}}, {name: w, emptyDir: {}}]}',
      'spec: {volumes: [{name: w, emptyDir: {}}, {name: v, emptyDir: {medium: Memory}}]}',
    ],
    ['strategy switch (retainKeys)', deploySchema, 'spec: {replicas: 1, strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}}', 'spec: {replicas: 2, strategy: {type: Recreate}}'],
    ['tolerations replaced', podSchema, 'spec: {tolerations: [{key: a}, {key: b}]}', 'spec: {tolerations: [{key: b}, {key: a, effect: NoSchedule}]}'],
    ['type change and nested map removal', podSchema, 'spec: {nodeSelector: {a: b}, restartPolicy: Always}', 'spec: {restartPolicy: [odd]}'],
    ['from empty', podSchema, '{}', 'metadata: {name: a, finalizers: [f]}\nspec: {containers: [{name: a, ports: [{containerPort: 1}]}]}'],
    ['to empty', podSchema, 'metadata: {name: a}\nspec: {containers: [{name: a}]}', '{}'],
  ];
  it.each(pairs)('round-trips: %s', (_name, schema, original, modified) => {
    const o = y(original);
    const m = y(modified);
    const patch = createTwoWayMergePatch(o, m, schema);
    const out = applyStrategicMergePatch(o, patch, schema);
    expect(out).toEqual(m);
    expect(JSON.stringify(sortKeys(out))).toBe(JSON.stringify(sortKeys(m))); // list order preserved
  });
});

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k]!)]));
  return v;
}

describe('createThreeWayMergePatch', () => {
  it.each<[string, PatchSchema, { original: string; modified: string; current: string; threeWay: string; result: string }]>([
    ['add field with conflict', mergeItem, { original: 'name: "1"', modified: 'name: "1"\nvalue: "1"', current: 'name: a\nother: a', threeWay: 'name: "1"\nvalue: "1"', result: 'name: "1"\nvalue: "1"\nother: a' }],
    ['delete field keeps live-only ones', mergeItem, { original: 'name: "1"', modified: 'value: "1"', current: 'name: "1"\nother: a', threeWay: 'name: null\nvalue: "1"', result: 'value: "1"\nother: a' }],
    [
      'explicit nulls propagate',
      mergeItem,
      { original: 'name: "2"', modified: 'name: "1"\nvalue: "1"\nother: null', current: 'name: a\nother: a', threeWay: 'name: "1"\nvalue: "1"\nother: null', result: 'name: "1"\nvalue: "1"' },
    ],
    [
      'primitive list deletion keeps live-only values',
      mergeItem,
      {
        original: 'mergingIntList: [1, 2, 3]',
        modified: 'mergingIntList: [1, 2]',
        current: 'mergingIntList: [1, 2, 3, 4]',
        threeWay: '$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]',
        result: 'mergingIntList: [1, 2, 4]',
      },
    ],
    [
      'list of maps with conflict',
      mergeItem,
      {
        original: 'mergingList: [{name: "1"}, {name: "2", value: "2"}]',
        modified: 'mergingList: [{name: "1"}, {name: "2", value: "2"}, {name: "3", value: "3"}]',
        current: 'mergingList: [{name: "1", other: a}, {name: "2", value: "3", other: b}]',
        threeWay: '$setElementOrder/mergingList: [{name: "1"}, {name: "2"}, {name: "3"}]\nmergingList: [{name: "2", value: "2"}, {name: "3", value: "3"}]',
        result: 'mergingList: [{name: "1", other: a}, {name: "2", value: "2", other: b}, {name: "3", value: "3"}]',
      },
    ],
    [
      'retainKeys list element clears a live-only field',
      mergeItem,
      {
        original: 'retainKeysMergingList: [{name: bar}, {name: foo, value: a}]',
        modified: 'retainKeysMergingList: [{name: bar}, {name: foo, value: a}]',
        current: 'retainKeysMergingList: [{name: bar}, {name: foo, value: a, other: x}]',
        threeWay: '$setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]\nretainKeysMergingList: [{$retainKeys: [name, value], name: foo}]',
        result: 'retainKeysMergingList: [{name: bar}, {name: foo, value: a}]',
      },
    ],
    [
      'element deleted from last-applied, live extra kept',
      mergeItem,
      {
        original: 'retainKeysMap: {name: foo, mergingList: [{name: a}, {name: b}]}',
        modified: 'retainKeysMap: {name: foo, mergingList: [{name: a}]}',
        current: 'retainKeysMap: {name: foo, mergingList: [{name: a}, {name: b}, {name: x}]}',
        threeWay: 'retainKeysMap: {$retainKeys: [mergingList, name], $setElementOrder/mergingList: [{name: a}], mergingList: [{name: b, $patch: delete}]}',
        result: 'retainKeysMap: {name: foo, mergingList: [{name: a}, {name: x}]}',
      },
    ],
  ])('%s', (_name, schema, c) => {
    const patch = createThreeWayMergePatch(y(c.original), y(c.modified), y(c.current), schema);
    expect(patch).toEqual(y(c.threeWay));
    const result = applyStrategicMergePatch(y(c.current), patch, schema);
    expect(JSON.stringify(sortKeys(result))).toBe(JSON.stringify(sortKeys(y(c.result))));
  });

  it('kubectl apply flow: a live-only container and label survive, a removed manifest container goes', () => {
    const lastApplied = y('metadata: {labels: {app: web}}\nspec: {containers: [{name: web, image: "nginx:1"}, {name: side, image: busybox}]}');
    const live = y('metadata: {labels: {app: web, injected: "true"}}\nspec: {containers: [{name: web, image: "nginx:1"}, {name: side, image: busybox}, {name: proxy, image: envoy}]}');
    const manifest = y('metadata: {labels: {app: web}}\nspec: {containers: [{name: web, image: "nginx:2"}]}');
    const patch = createThreeWayMergePatch(lastApplied, manifest, live, podSchema);
    const out = applyStrategicMergePatch(live, patch, podSchema);
    expect(out).toEqual(y('metadata: {labels: {app: web, injected: "true"}}\nspec: {containers: [{name: web, image: "nginx:2"}, {name: proxy, image: envoy}]}'));
  });

  it('overwrite=false reports conflicting changes', () => {
    const original = y('name: "1"');
    const modified = y('name: "2"');
    const current = y('name: "3"');
    expect(() => createThreeWayMergePatch(original, modified, current, mergeItem, false)).toThrow(/conflicts with changes made from original to current/);
    expect(createThreeWayMergePatch(original, modified, current, mergeItem, true)).toEqual({ name: '2' });
    // no conflict when current did not touch the field
    expect(createThreeWayMergePatch(original, modified, y('name: "1"\nother: x'), mergeItem, false)).toEqual({ name: '2' });
  });
});
