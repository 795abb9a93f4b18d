// The DefaultTolerationSeconds admission plugin (upstream plugin/pkg/admission/defaulttolerationseconds): 300 s not-ready/unreachable tolerations.
import type { AdmissionPlugin, Obj } from '../access.js';

/** The taint the node lifecycle controller puts on a node that is not ready. */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
/** The taint it puts on a node whose status is unknown. */
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** Options: the tolerationSeconds added (upstream flags `--default-not-ready-toleration-seconds` etc., both 300). */
export interface DefaultTolerationSecondsOptions {
  notReadySeconds?: number;
  unreachableSeconds?: number;
}

/**
 * The `DefaultTolerationSeconds` plugin, on pod CREATE and UPDATE (no subresource): a pod with no toleration
 * covering `node.kubernetes.io/not-ready:NoExecute` gets `{key, operator: Exists, effect: NoExecute,
 * tolerationSeconds: 300}` for it, and likewise for `node.kubernetes.io/unreachable`. As upstream, a toleration
 * covers the taint when its key is that key or empty and its effect is NoExecute or empty (the operator and
 * value are not looked at).
 */
export function defaultTolerationSecondsPlugin(opts: DefaultTolerationSecondsOptions = {}): AdmissionPlugin {
  const notReady = opts.notReadySeconds ?? 300;
  const unreachable = opts.unreachableSeconds ?? 300;
  return {
    name: 'DefaultTolerationSeconds',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    admit(req) {
      if (req.group !== '' || req.resource !== 'pods' || req.subresource !== '') return;
      const pod = req.object;
      if (!pod || typeof pod !== 'object') return;
      const spec = (pod['spec'] ??= {}) as Obj;
      const tolerations: Obj[] = Array.isArray(spec['tolerations']) ? spec['tolerations'] : [];
      const covers = (key: string) =>
        tolerations.some((t) => (!t?.['key'] || t['key'] === key) && (!t?.['effect'] || t['effect'] === 'NoExecute'));
      const added: Obj[] = [];
      if (!covers(TAINT_NODE_NOT_READY)) added.push({ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: notReady });
      if (!covers(TAINT_NODE_UNREACHABLE)) added.push({ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: unreachable });
      if (added.length > 0) spec['tolerations'] = [...tolerations, ...added];
    },
  };
}
