// Tests for the kubelet's pod resource arithmetic (requests, limits, QoS class).
import { describe, expect, it } from 'vitest';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { podLimits, podQOSClass, podRequests, resourceList } from './resources.js';

type Res = { requests?: Record<string, string>; limits?: Record<string, string> };
const c = (name: string, resources: Res = {}, restartPolicy?: string): Container => ({ name, resources, ...(restartPolicy ? { restartPolicy } : {}) });
const pod = (containers: Container[], initContainers: Container[] = [], overhead?: Record<string, string>): Pod => ({
  spec: { containers, initContainers, ...(overhead ? { overhead } : {}) },
});
const GI = 1024 ** 3;
const MI = 1024 ** 2;

describe('resourceList', () => {
  it.each([
    [{ cpu: '4', memory: '8Gi', pods: '110' }, { cpu: 4000, memory: 8 * GI, pods: 110 }],
    [{ cpu: '250m', 'ephemeral-storage': '1G', 'nvidia.com/gpu': '2' }, { cpu: 250, 'ephemeral-storage': 1e9, 'nvidia.com/gpu': 2 }],
    [{ cpu: '0.1m' }, { cpu: 1 }],
    [undefined, {}],
  ])('%j', (input, want) => {
    expect(Object.fromEntries(resourceList(input))).toEqual(want);
  });
});

describe('podRequests', () => {
  it.each<[string, Pod, Record<string, number>]>([
    [
      'scheduler issue example: init max wins per resource',
      pod(
        [c('a', { requests: { cpu: '2', memory: '1Gi' } }), c('b', { requests: { cpu: '1', memory: '1Gi' } })],
        [c('i1', { requests: { cpu: '2', memory: '3Gi' } }), c('i2', { requests: { cpu: '2', memory: '1Gi' } })],
      ),
      { cpu: 3000, memory: 3 * GI },
    ],
    ['no resources', pod([c('a')]), {}],
    ['limits stand in for requests', pod([c('a', { limits: { cpu: '500m', memory: '64Mi' } })]), { cpu: 500, memory: 64 * MI }],
    [
      'request kept when both set',
      pod([c('a', { requests: { cpu: '100m' }, limits: { cpu: '1', memory: '1Gi' } })]),
      { cpu: 100, memory: GI },
    ],
    ['overhead added', pod([c('a', { requests: { cpu: '100m' } })], [], { cpu: '250m', memory: '120Mi' }), { cpu: 350, memory: 120 * MI }],
    [
      'sidecar adds to the total and to later init containers',
      pod(
        [c('main', { requests: { cpu: '1' } })],
        [c('sidecar', { requests: { cpu: '500m' } }, 'Always'), c('init', { requests: { cpu: '2' } })],
      ),
      // total: 1 + 0.5 = 1.5; init phase: 2 + 0.5 = 2.5
      { cpu: 2500 },
    ],
    [
      'init container before a sidecar does not count it',
      pod(
        [c('main', { requests: { cpu: '1' } })],
        [c('init', { requests: { cpu: '1200m' } }), c('sidecar', { requests: { cpu: '500m' } }, 'Always')],
      ),
      { cpu: 1500 },
    ],
    ['extended resources summed', pod([c('a', { limits: { 'nvidia.com/gpu': '1' } }), c('b', { limits: { 'nvidia.com/gpu': '1' } })]), { 'nvidia.com/gpu': 2 }],
  ])('%s', (_name, p, want) => {
    expect(Object.fromEntries(podRequests(p))).toEqual(want);
  });
});

describe('podLimits', () => {
  it.each<[string, Pod, Record<string, number>]>([
    ['sum of containers', pod([c('a', { limits: { cpu: '1' } }), c('b', { limits: { cpu: '2', memory: '1Gi' } })]), { cpu: 3000, memory: GI }],
    ['init max', pod([c('a', { limits: { cpu: '1' } })], [c('i', { limits: { cpu: '4' } })]), { cpu: 4000 }],
    ['overhead only on limited resources', pod([c('a', { limits: { cpu: '1' } })], [], { cpu: '100m', memory: '10Mi' }), { cpu: 1100 }],
    ['requests are not limits', pod([c('a', { requests: { cpu: '1' } })]), {}],
  ])('%s', (_name, p, want) => {
    expect(Object.fromEntries(podLimits(p))).toEqual(want);
  });
});

describe('podQOSClass', () => {
  const g = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
  it.each<[string, Pod, string]>([
    ['no resources', pod([c('a'), c('b')]), 'BestEffort'],
    ['only extended resources', pod([c('a', { limits: { 'nvidia.com/gpu': '1' } })]), 'BestEffort'],
    ['requests equal limits', pod([c('a', g)]), 'Guaranteed'],
    ['limits only (requests default to them)', pod([c('a', { limits: { cpu: '1', memory: '1Gi' } })]), 'Guaranteed'],
    ['request below limit', pod([c('a', { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })]), 'Burstable'],
    ['cpu limit only', pod([c('a', { limits: { cpu: '1' } })]), 'Burstable'],
    ['one container without limits', pod([c('a', g), c('b')]), 'Burstable'],
    ['init container without limits', pod([c('a', g)], [c('i')]), 'Burstable'],
    ['init container guaranteed too', pod([c('a', g)], [c('i', g)]), 'Guaranteed'],
    ['requests only', pod([c('a', { requests: { memory: '1Gi' } })]), 'Burstable'],
  ])('%s', (_name, p, want) => {
    expect(podQOSClass(p)).toBe(want);
  });
});
