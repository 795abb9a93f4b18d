// The Priority admission plugin (upstream plugin/pkg/admission/priority): pod priority from PriorityClasses, one global default.
import type { AdmissionPlugin, AdmissionRequest, Obj, ObjectReader } from '../access.js';
import { admissionForbidden } from './serviceaccount.js';

/** The built-in system classes and their values (upstream scheduling.SystemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, number>> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

/** The pod priority when no class is named and there is no global default. */
export const DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0;

/** The global-default PriorityClass (the lowest value if several), or undefined. */
export function defaultPriorityClass(classes: readonly Obj[]): Obj | undefined {
  let best: Obj | undefined;
  for (const pc of classes) {
    if (pc?.['globalDefault'] !== true) continue;
    if (!best || num(best['value']) > num(pc['value'])) best = pc;
  }
  return best;
}

/**
 * The `Priority` plugin (CREATE, UPDATE, DELETE; subresources ignored):
 * - admit, pod CREATE: without `priorityClassName` the pod gets the global default class's name, value and
 *   preemptionPolicy (else priority 0 and PreemptLowerPriority); with one, the class must exist (403 `no
 *   PriorityClass with name x was found`; the system classes resolve to their built-in values even before their
 *   objects exist). A pod-set `spec.priority` or `spec.preemptionPolicy` that differs from the computed one is
 *   refused with upstream's messages;
 * - admit, pod UPDATE: priority and preemptionPolicy left out of the update are kept from the stored pod;
 * - validate, PriorityClass CREATE/UPDATE: a second `globalDefault: true` class is refused
 *   (`PriorityClass x is already marked as default. Only one default can exist`).
 * The `system-` name reservation and the value range are API validation, not checked here.
 */
export function priorityPlugin(reader: ObjectReader): AdmissionPlugin {
  const classes = () => reader.list('scheduling.k8s.io', 'priorityclasses');

  const admitPod = (req: AdmissionRequest): void => {
    const pod = req.object;
    if (!pod || typeof pod !== 'object') return;
    const spec = (pod['spec'] ??= {}) as Obj;
    if (req.operation === 'UPDATE') {
      const old = req.oldObject?.['spec'];
      if (spec['priority'] == null && old?.['priority'] != null) spec['priority'] = old['priority'];
      if (spec['preemptionPolicy'] == null && old?.['preemptionPolicy'] != null) spec['preemptionPolicy'] = old['preemptionPolicy'];
      return;
    }
    if (req.operation !== 'CREATE') return;
    let priority: number;
    let preemptionPolicy: string | undefined;
    const pcName = typeof spec['priorityClassName'] === 'string' ? spec['priorityClassName'] : '';
    if (!pcName) {
      const dpc = defaultPriorityClass(classes());
      if (dpc) {
        spec['priorityClassName'] = dpc['metadata']?.['name'];
        priority = num(dpc['value']);
        preemptionPolicy = typeof dpc['preemptionPolicy'] === 'string' ? dpc['preemptionPolicy'] : undefined;
      } else {
        priority = DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS;
        preemptionPolicy = 'PreemptLowerPriority';
      }
    } else {
      const pc = reader.get('scheduling.k8s.io', 'priorityclasses', '', pcName);
      if (pc) {
        priority = num(pc['value']);
        preemptionPolicy = typeof pc['preemptionPolicy'] === 'string' ? pc['preemptionPolicy'] : undefined;
      } else if (pcName in SYSTEM_PRIORITY_CLASSES) {
        priority = SYSTEM_PRIORITY_CLASSES[pcName]!;
        preemptionPolicy = 'PreemptLowerPriority';
      } else {
        throw admissionForbidden(req, `no PriorityClass with name ${pcName} was found`);
      }
    }
    if (spec['priority'] != null && spec['priority'] !== priority) {
      throw admissionForbidden(
        req,
        `the integer value of priority (${spec['priority']}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      );
    }
    spec['priority'] = priority;
    if (preemptionPolicy !== undefined) {
      if (spec['preemptionPolicy'] != null && spec['preemptionPolicy'] !== preemptionPolicy) {
        throw admissionForbidden(
          req,
          `the string value of PreemptionPolicy (${spec['preemptionPolicy']}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`,
        );
      }
      spec['preemptionPolicy'] = preemptionPolicy;
    }
  };

  return {
    name: 'Priority',
    handles: (op) => op === 'CREATE' || op === 'UPDATE' || op === 'DELETE',
    admit(req) {
      if (req.subresource !== '' || req.group !== '' || req.resource !== 'pods') return;
      admitPod(req);
    },
    validate(req) {
      if (req.subresource !== '' || req.group !== 'scheduling.k8s.io' || req.resource !== 'priorityclasses') return;
      if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return;
      const pc = req.object;
      if (!pc || pc['globalDefault'] !== true) return;
      const dpc = defaultPriorityClass(classes());
      if (!dpc) return;
      const dpcName = String(dpc['metadata']?.['name'] ?? '');
      if (req.operation === 'CREATE' || dpcName !== pc['metadata']?.['name']) {
        throw admissionForbidden(req, `PriorityClass ${dpcName} is already marked as default. Only one default can exist`);
      }
    },
  };
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}
