// Tests of node CIDR allocation and reclaim: a deleted node's podCIDR (and its pending allocation) becomes free again.
import { describe, expect, it } from 'vitest';
import type { Node } from 'kubernetes-types/core/v1.js';
import { Informer, type ResourceClient, type RestClient } from '../../client/index.js';
import { NodeIpamController } from './nodeipam.js';

function setup() {
  const patched: Record<string, string> = {};
  const client = {
    resource: () => ({
      patch: async (name: string, body: { spec: { podCIDR: string } }) => {
        patched[name] = body.spec.podCIDR;
        return { metadata: { name }, spec: body.spec };
      },
    }),
  } as unknown as RestClient;
  const inf = new Informer<Node>({ ref: { group: '', version: 'v1', resource: 'nodes', namespaced: false } } as unknown as ResourceClient<Node>);
  // 10.0.0.0/23 with /24 node CIDRs: exactly two subnets.
  const c = new NodeIpamController(client, inf, '10.0.0.0/23', 24);
  let rv = 0;
  const nodes = (...ns: [string, string?][]) =>
    inf.replace(
      ns.map(([name, cidr]) => ({ metadata: { name, uid: name }, spec: cidr ? { podCIDR: cidr, podCIDRs: [cidr] } : {} })),
      String(++rv),
    );
  return { c, patched, nodes };
}

describe('NodeIpamController reclaim', () => {
  it('frees the CIDR of a deleted node once its allocation was observed', async () => {
    const { c, patched, nodes } = setup();
    nodes(['a'], ['b']);
    await c.sync('a');
    await c.sync('b');
    expect(patched).toEqual({ a: '10.0.0.0/24', b: '10.0.1.0/24' });
    nodes(['a', '10.0.0.0/24'], ['b', '10.0.1.0/24'], ['c']);
    await expect(c.sync('c')).rejects.toThrow('no remaining CIDRs in the cluster CIDR for node c');
    nodes(['b', '10.0.1.0/24'], ['c']);
    await c.sync('c');
    expect(patched['c']).toBe('10.0.0.0/24');
  });

  it('a pending (not yet observed) allocation blocks reuse until the node is deleted', async () => {
    const { c, patched, nodes } = setup();
    nodes(['a'], ['b']);
    await c.sync('a');
    await c.sync('b');
    // The watch has not delivered a's and b's podCIDR yet: the pending map must keep them taken.
    nodes(['a'], ['b'], ['c']);
    await expect(c.sync('c')).rejects.toThrow('no remaining CIDRs');
    // a is deleted before its update arrived: its pending CIDR is released.
    nodes(['b'], ['c']);
    await c.sync('c');
    expect(patched['c']).toBe('10.0.0.0/24');
  });

  it('observing the allocation clears the pending entry (a later delete frees it)', async () => {
    const { c, patched, nodes } = setup();
    nodes(['a']);
    await c.sync('a');
    nodes(['a', '10.0.0.0/24'], ['b']);
    await c.sync('b');
    expect(patched['b']).toBe('10.0.1.0/24');
    nodes(['b', '10.0.1.0/24'], ['c']);
    await c.sync('c');
    expect(patched['c']).toBe('10.0.0.0/24');
  });
});
