// Tests for HPA autoscaling/v1 <-> v2 and Event core/v1 <-> events.k8s.io/v1 conversion.

import { describe, expect, it } from 'vitest';
import {
  BEHAVIOR_ANNOTATION,
  canConvert,
  CONDITIONS_ANNOTATION,
  convertObject,
  METRIC_SPECS_ANNOTATION,
  METRIC_STATUSES_ANNOTATION,
} from './conversion.js';

const withoutApiVersion = (o: Record<string, any>) => {
  const { apiVersion: _ignored, ...rest } = o;
  return rest;
};

const v2HPA = () => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', annotations: { team: 'a' } },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 2,
    maxReplicas: 10,
    metrics: [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'packets-per-second' }, target: { type: 'AverageValue', averageValue: '1k' } } },
      {
        type: 'Object',
        object: {
          describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main-route' },
          metric: { name: 'requests-per-second', selector: { matchLabels: { verb: 'GET' } } },
          target: { type: 'Value', value: '10k' },
        },
      },
      {
        type: 'External',
        external: { metric: { name: 'queue_messages_ready', selector: { matchLabels: { queue: 'worker_tasks' } } }, target: { type: 'AverageValue', averageValue: '30' } },
      },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ],
    behavior: {
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] },
    },
  },
  status: {
    observedGeneration: 3,
    lastScaleTime: '2024-05-01T10:00:00Z',
    currentReplicas: 3,
    desiredReplicas: 4,
    currentMetrics: [
      { type: 'Resource', resource: { name: 'cpu', current: { averageValue: '120m', averageUtilization: 61 } } },
      { type: 'Pods', pods: { metric: { name: 'packets-per-second' }, current: { averageValue: '900' } } },
    ],
    conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2024-05-01T09:00:00Z', reason: 'ReadyForNewScale', message: 'ok' }],
  },
});

describe('HPA autoscaling/v1 -> autoscaling/v2', () => {
  it('reads targetCPUUtilizationPercentage back as a Resource cpu Utilization metric', () => {
    const v1 = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
      status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 40 },
    };
    const v2 = convertObject(v1, 'autoscaling/v1', 'autoscaling/v2');
    expect(v2.apiVersion).toBe('autoscaling/v2');
    expect(v2.kind).toBe('HorizontalPodAutoscaler');
    expect(v2.spec).toEqual({
      scaleTargetRef: { kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    });
    expect(v2.status).toEqual({
      currentReplicas: 2,
      desiredReplicas: 2,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } }],
    });
    expect(v1.spec).not.toHaveProperty('metrics'); // input untouched
  });

  it('applies the implicit 80% CPU target when v1 has no metric at all', () => {
    const v2 = convertObject({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3 } }, 'autoscaling/v1', 'autoscaling/v2');
    expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    expect(v2).not.toHaveProperty('status');
  });

  it('ignores malformed round-trip annotations and still removes them', () => {
    const v1 = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'x', annotations: { [METRIC_SPECS_ANNOTATION]: '{not json', [BEHAVIOR_ANNOTATION]: '{}' } },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3, targetCPUUtilizationPercentage: 70 },
    };
    const v2 = convertObject(v1, 'autoscaling/v1', 'autoscaling/v2');
    expect(v2.spec.metrics).toHaveLength(1);
    expect(v2.spec).not.toHaveProperty('behavior');
    expect(v2.metadata).toEqual({ name: 'x' });
  });

  it('reads the behavior annotation with Go field names case-insensitively', () => {
    const v1 = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'x', annotations: { [BEHAVIOR_ANNOTATION]: '{"scaleDown":{"stabilizationWindowSeconds":60,"policies":null}}' } },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3 },
    };
    expect(convertObject(v1, 'autoscaling/v1', 'autoscaling/v2').spec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 60 } });
  });
});

describe('HPA autoscaling/v2 -> autoscaling/v1', () => {
  it('puts the CPU utilization in the field and the other metrics in the annotation', () => {
    const v1 = convertObject(v2HPA(), 'autoscaling/v2', 'autoscaling/v1');
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 10,
      targetCPUUtilizationPercentage: 50,
    });
    expect(v1.status).toEqual({ observedGeneration: 3, lastScaleTime: '2024-05-01T10:00:00Z', currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 61 });
    const ann = v1.metadata.annotations;
    expect(ann.team).toBe('a');
    expect(JSON.parse(ann[METRIC_SPECS_ANNOTATION])).toEqual([
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } },
      { type: 'Pods', pods: { metricName: 'packets-per-second', targetAverageValue: '1k' } },
      {
        type: 'Object',
        object: {
          target: { kind: 'Ingress', name: 'main-route', apiVersion: 'networking.k8s.io/v1' },
          metricName: 'requests-per-second',
          targetValue: '10k',
          selector: { matchLabels: { verb: 'GET' } },
        },
      },
      { type: 'External', external: { metricName: 'queue_messages_ready', metricSelector: { matchLabels: { queue: 'worker_tasks' } }, targetAverageValue: '30' } },
    ]);
    expect(JSON.parse(ann[METRIC_STATUSES_ANNOTATION])).toEqual([
      { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 61, currentAverageValue: '120m' } },
      { type: 'Pods', pods: { metricName: 'packets-per-second', currentAverageValue: '900' } },
    ]);
    expect(JSON.parse(ann[CONDITIONS_ANNOTATION])).toEqual(v2HPA().status.conditions);
    expect(JSON.parse(ann[BEHAVIOR_ANNOTATION])).toEqual({
      ScaleUp: { StabilizationWindowSeconds: 0, SelectPolicy: 'Max', Policies: [{ Type: 'Pods', Value: 4, PeriodSeconds: 15 }] },
      ScaleDown: { StabilizationWindowSeconds: 300, SelectPolicy: 'Min', Policies: [{ Type: 'Percent', Value: 10, PeriodSeconds: 60 }] },
    });
  });

  it('writes no annotations for a CPU-only HPA without status', () => {
    const v1 = convertObject(
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 55 } } }] } },
      'autoscaling/v2',
      'autoscaling/v1',
    );
    expect(v1.metadata).toEqual({ name: 'x' });
    expect(v1.spec.targetCPUUtilizationPercentage).toBe(55);
  });

  it('replaces stale round-trip annotations with the ones it produces', () => {
    const v2 = v2HPA();
    (v2.metadata.annotations as Record<string, string>)[CONDITIONS_ANNOTATION] = '[{"type":"Stale"}]';
    v2.status.conditions = [];
    const v1 = convertObject(v2, 'autoscaling/v2', 'autoscaling/v1');
    expect(v1.metadata.annotations).not.toHaveProperty(CONDITIONS_ANNOTATION);
  });
});

describe('HPA round trip v2 -> v1 -> v2', () => {
  it('is lossless with cpu, memory, Pods, Object and External metrics, behavior, current metrics and conditions', () => {
    const original = v2HPA();
    const back = convertObject(convertObject(original, 'autoscaling/v2', 'autoscaling/v1'), 'autoscaling/v1', 'autoscaling/v2');
    expect(withoutApiVersion(back)).toEqual(withoutApiVersion(original));
    expect(back.apiVersion).toBe('autoscaling/v2');
  });

  it('is lossless for memory Utilization and ContainerResource metrics', () => {
    const original = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'x' },
      spec: {
        scaleTargetRef: { kind: 'StatefulSet', name: 'x' },
        maxReplicas: 4,
        metrics: [
          { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 70 } } },
          { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } },
          { type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '5' } } },
        ],
      },
    };
    const v1 = convertObject(original, 'autoscaling/v2', 'autoscaling/v1');
    expect(v1.spec).not.toHaveProperty('targetCPUUtilizationPercentage');
    expect(convertObject(v1, 'autoscaling/v1', 'autoscaling/v2')).toEqual(original);
  });

  it('moves the CPU metric last, as upstream does', () => {
    const original = v2HPA();
    const cpu = original.spec.metrics.pop()!;
    original.spec.metrics.unshift(cpu);
    const back = convertObject(convertObject(original, 'autoscaling/v2', 'autoscaling/v1'), 'autoscaling/v1', 'autoscaling/v2');
    expect(back.spec.metrics.at(-1)).toEqual(cpu);
    expect(back.spec.metrics[0]).toEqual(original.spec.metrics[1]);
  });

  it('converts lists item by item', () => {
    const list = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscalerList', metadata: { resourceVersion: '7' }, items: [v2HPA()] };
    const v1 = convertObject(list, 'autoscaling/v2', 'autoscaling/v1');
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.metadata).toEqual({ resourceVersion: '7' });
    expect(v1.items[0].spec.targetCPUUtilizationPercentage).toBe(50);
    expect(v1.items[0].apiVersion).toBe('autoscaling/v1');
  });
});

describe('Event core/v1 <-> events.k8s.io/v1', () => {
  const core = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.17c', namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u1', apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
    reason: 'Pulled',
    message: 'Successfully pulled image',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2024-05-01T10:00:00Z',
    lastTimestamp: '2024-05-01T10:05:00Z',
    count: 3,
    type: 'Normal',
    eventTime: '2024-05-01T10:00:00.123456Z',
    series: { count: 2, lastObservedTime: '2024-05-01T10:05:00.000000Z' },
    action: 'Pulling',
    related: { kind: 'Node', name: 'node-1' },
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
  };

  it('maps every field to its events.k8s.io/v1 name', () => {
    expect(convertObject(core, 'v1', 'events.k8s.io/v1')).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: core.metadata,
      regarding: core.involvedObject,
      reason: 'Pulled',
      note: 'Successfully pulled image',
      deprecatedSource: core.source,
      deprecatedFirstTimestamp: core.firstTimestamp,
      deprecatedLastTimestamp: core.lastTimestamp,
      deprecatedCount: 3,
      type: 'Normal',
      eventTime: core.eventTime,
      series: core.series,
      action: 'Pulling',
      related: core.related,
      reportingController: 'kubelet',
      reportingInstance: 'node-1',
    });
  });

  it('round-trips losslessly both ways', () => {
    const ev = convertObject(core, 'v1', 'events.k8s.io/v1');
    expect(convertObject(ev, 'events.k8s.io/v1', 'v1')).toEqual(core);
    const minimal = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' }, eventTime: '2024-01-01T00:00:00.000000Z', reportingController: 'c', reportingInstance: 'i', note: 'n', regarding: { kind: 'Node', name: 'n1' } };
    const asCore = convertObject(minimal, 'events.k8s.io/v1', 'v1');
    expect(asCore).toMatchObject({ apiVersion: 'v1', message: 'n', reportingComponent: 'c', involvedObject: { kind: 'Node', name: 'n1' } });
    expect(convertObject(asCore, 'v1', 'events.k8s.io/v1')).toEqual(minimal);
  });
});

describe('canConvert / identity / errors', () => {
  it.each([
    ['autoscaling/v1', 'autoscaling/v2', 'HorizontalPodAutoscaler', true],
    ['autoscaling/v2', 'autoscaling/v1', 'HorizontalPodAutoscalerList', true],
    ['v1', 'events.k8s.io/v1', 'Event', true],
    ['events.k8s.io/v1', 'v1', 'EventList', true],
    ['apps/v1', 'apps/v1', 'Deployment', true],
    ['autoscaling/v1', 'autoscaling/v2', 'Event', false],
    ['apps/v1', 'apps/v1beta1', 'Deployment', false],
  ])('canConvert(%s, %s, %s) = %s', (from, to, kind, want) => {
    expect(canConvert(from, to, kind)).toBe(want);
  });

  it('copies deeply on identity and sets apiVersion', () => {
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { a: 'b' } } };
    const c = convertObject(d, 'apps/v1', 'apps/v1');
    expect(c).toEqual(d);
    c.metadata.labels.a = 'changed';
    expect(d.metadata.labels.a).toBe('b');
  });

  it('throws for unknown pairs and mismatched kinds', () => {
    expect(() => convertObject({ kind: 'Deployment' }, 'apps/v1', 'apps/v1beta2')).toThrow(/no conversion/);
    expect(() => convertObject({ kind: 'Pod' }, 'autoscaling/v1', 'autoscaling/v2')).toThrow(/no conversion of Pod/);
  });
});
