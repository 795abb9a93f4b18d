// The TaintNodesByCondition admission plugin (upstream plugin/pkg/admission/nodetaint): a new Node starts tainted not-ready:NoSchedule.
import type { AdmissionPlugin, Obj } from '../access.js';

/** The taint a node is created with, until the node lifecycle controller sees it Ready and removes it. */
export const NOT_READY_NO_SCHEDULE = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' } as const;

/**
 * The `TaintNodesByCondition` plugin, on Node CREATE (no subresource): appends the taint
 * `node.kubernetes.io/not-ready:NoSchedule` unless the node already has a taint of that key and effect (the
 * value is not compared, as upstream's MatchTaint). So a node never takes pods before the node lifecycle
 * controller has seen it Ready: that controller keeps the condition taints in step with the node's conditions
 * and removes this one once `Ready` is `True`. Updates are left alone.
 */
export function taintNodesByConditionPlugin(): AdmissionPlugin {
  return {
    name: 'TaintNodesByCondition',
    handles: (op) => op === 'CREATE',
    admit(req) {
      if (req.group !== '' || req.resource !== 'nodes' || req.subresource !== '') return;
      const node = req.object;
      if (!node || typeof node !== 'object') return;
      const spec = (node['spec'] ??= {}) as Obj;
      const taints: Obj[] = Array.isArray(spec['taints']) ? spec['taints'] : [];
      if (taints.some((t) => t?.['key'] === NOT_READY_NO_SCHEDULE.key && t?.['effect'] === NOT_READY_NO_SCHEDULE.effect)) return;
      spec['taints'] = [...taints, { ...NOT_READY_NO_SCHEDULE }];
    },
  };
}
