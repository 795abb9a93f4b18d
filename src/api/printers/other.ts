// Table printers for the non-core, non-workload groups (autoscaling, networking, policy, rbac, storage, ...), as upstream 1.32.

import { convertObject } from '../conversion.js';
import {
  age,
  ageCol,
  arr,
  col,
  formatLabelSelector,
  humanDuration,
  intOrString,
  listWithMore,
  nameCol,
  nameOf,
  num,
  printer,
  quantityPtrString,
  str,
  type TablePrinter,
} from './util.js';
import { loadBalancerString } from './core.js';

// ---------------------------------------------------------------------------------------------------------------
// autoscaling

/** Upstream formatHPAMetrics over autoscaling/v2 spec.metrics and status.currentMetrics (at most 2 shown). */
export function formatHPAMetrics(specs: unknown, statuses: unknown): string {
  const ms = arr(specs);
  const st = arr(statuses);
  if (ms.length === 0) return '<none>';
  const list: string[] = [];
  const pct = (v: unknown) => `${num(v)}%`;
  ms.forEach((spec, i) => {
    const status = st[i];
    switch (spec?.type) {
      case 'External': {
        const target = spec.external?.target ?? {};
        if (target.averageValue !== undefined && target.averageValue !== null) {
          const cur = status?.external && status.external.current?.averageValue != null ? quantityPtrString(status.external.current.averageValue) : '<unknown>';
          list.push(`${cur}/${quantityPtrString(target.averageValue)} (avg)`);
        } else {
          const cur = status?.external ? quantityPtrString(status.external.current?.value) : '<unknown>';
          list.push(`${cur}/${quantityPtrString(target.value)}`);
        }
        break;
      }
      case 'Pods': {
        const cur = status?.pods ? quantityPtrString(status.pods.current?.averageValue) : '<unknown>';
        list.push(`${cur}/${quantityPtrString(spec.pods?.target?.averageValue)}`);
        break;
      }
      case 'Object': {
        const target = spec.object?.target ?? {};
        if (target.averageValue !== undefined && target.averageValue !== null) {
          const cur = status?.object && status.object.current?.averageValue != null ? quantityPtrString(status.object.current.averageValue) : '<unknown>';
          list.push(`${cur}/${quantityPtrString(target.averageValue)} (avg)`);
        } else {
          const cur = status?.object ? quantityPtrString(status.object.current?.value) : '<unknown>';
          list.push(`${cur}/${quantityPtrString(target.value)}`);
        }
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
        const src = spec[key] ?? {};
        const target = src.target ?? {};
        const cur = status?.[key];
        if (target.averageValue !== undefined && target.averageValue !== null) {
          const current = cur ? quantityPtrString(cur.current?.averageValue) : '<unknown>';
          list.push(`${str(src.name)}: ${current}/${quantityPtrString(target.averageValue)}`);
        } else {
          const current = cur && typeof cur.current?.averageUtilization === 'number' ? pct(cur.current.averageUtilization) : '<unknown>';
          const tgt = typeof target.averageUtilization === 'number' ? pct(target.averageUtilization) : '<auto>';
          list.push(`${str(src.name)}: ${current}/${tgt}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

const horizontalPodAutoscalers = printer(
  [
    nameCol(),
    col('Reference', 'string', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
    col('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
    col('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    col('MaxPods', 'string', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
    col('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
    ageCol(),
  ],
  (input, now) => {
    const v1 =
      input?.apiVersion === 'autoscaling/v1' ||
      (input?.apiVersion === undefined && input?.spec !== undefined && input.spec.metrics === undefined && 'targetCPUUtilizationPercentage' in input.spec);
    const hpa = v1 ? convertObject(input, 'autoscaling/v1', 'autoscaling/v2') : input;
    const spec = hpa?.spec ?? {};
    const ref = spec.scaleTargetRef ?? {};
    return [
      nameOf(hpa),
      `${str(ref.kind)}/${str(ref.name)}`,
      formatHPAMetrics(spec.metrics, hpa?.status?.currentMetrics),
      typeof spec.minReplicas === 'number' ? String(spec.minReplicas) : '<unset>',
      num(spec.maxReplicas),
      num(hpa?.status?.currentReplicas),
      age(hpa, now),
    ];
  },
);

// ---------------------------------------------------------------------------------------------------------------
// networking

/** Upstream formatHosts: up to 3 rule hosts then `+ N more...`; `*` when no rule names a host. */
function formatHosts(rules: unknown): string {
  const rs = arr(rules);
  const list: string[] = [];
  const max = 3;
  let more = false;
  for (const r of rs) {
    if (list.length === max) more = true;
    if (!more && str(r?.host) !== '') list.push(str(r.host));
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${rs.length - max} more...` : ret;
}

const ingresses = printer(
  [
    nameCol(),
    col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    ageCol(),
  ],
  (obj, now) => [
    nameOf(obj),
    typeof obj?.spec?.ingressClassName === 'string' ? obj.spec.ingressClassName : '<none>',
    formatHosts(obj?.spec?.rules),
    loadBalancerString(obj?.status?.loadBalancer?.ingress),
    arr(obj?.spec?.tls).length !== 0 ? '80, 443' : '80',
    age(obj, now),
  ],
);

const ingressClasses = printer(
  [
    nameCol(),
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageCol(),
  ],
  (obj, now) => {
    const p = obj?.spec?.parameters;
    let parameters = '<none>';
    if (p) {
      parameters = str(p.kind);
      if (typeof p.apiGroup === 'string') parameters += `.${p.apiGroup}`;
      parameters += `/${str(p.name)}`;
    }
    return [nameOf(obj), str(obj?.spec?.controller), parameters, age(obj, now)];
  },
);

const networkPolicies = printer(
  [nameCol(), col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'), ageCol()],
  (obj, now) => [nameOf(obj), formatLabelSelector(obj?.spec?.podSelector ?? {}), age(obj, now)],
);

const endpointSlices = printer(
  [
    nameCol(),
    col('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice.'),
    col('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
    ageCol(),
  ],
  (obj, now) => {
    const ports = arr(obj?.ports).map((p) => (typeof p?.port === 'number' ? String(p.port) : typeof p?.name === 'string' ? p.name : '*'));
    const addresses = arr(obj?.endpoints).flatMap((e) => arr(e?.addresses).map(str));
    return [nameOf(obj), str(obj?.addressType), listWithMore(ports, ports.length, 3), listWithMore(addresses, addresses.length, 3), age(obj, now)];
  },
);

// ---------------------------------------------------------------------------------------------------------------
// policy, scheduling, coordination, storage

const podDisruptionBudgets = printer(
  [
    nameCol(),
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageCol(),
  ],
  (obj, now) => {
    const spec = obj?.spec ?? {};
    const present = (v: unknown) => v !== undefined && v !== null;
    return [
      nameOf(obj),
      present(spec.minAvailable) ? intOrString(spec.minAvailable) : 'N/A',
      present(spec.maxUnavailable) ? intOrString(spec.maxUnavailable) : 'N/A',
      num(obj?.status?.disruptionsAllowed),
      age(obj, now),
    ];
  },
);

const priorityClasses = printer(
  [
    nameCol(),
    col('Value', 'integer', 'value represents the integer value of this priority class.'),
    col('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
    ageCol(),
    col('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  (obj, now) => [nameOf(obj), num(obj?.value), obj?.globalDefault === true, age(obj, now), str(obj?.preemptionPolicy)],
);

const leases = printer([nameCol(), col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageCol()], (obj, now) => [
  nameOf(obj),
  str(obj?.spec?.holderIdentity),
  age(obj, now),
]);

function isDefaultStorageClass(obj: any): boolean {
  const ann = obj?.metadata?.annotations ?? {};
  return ann['storageclass.kubernetes.io/is-default-class'] === 'true' || ann['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

const storageClasses = printer(
  [
    nameCol(),
    col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
    col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageCol(),
  ],
  (obj, now) => [
    isDefaultStorageClass(obj) ? `${nameOf(obj)} (default)` : nameOf(obj),
    str(obj?.provisioner),
    str(obj?.reclaimPolicy) || 'Delete',
    str(obj?.volumeBindingMode) || 'Immediate',
    obj?.allowVolumeExpansion === true,
    age(obj, now),
  ],
);

// ---------------------------------------------------------------------------------------------------------------
// rbac

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts (others dropped). */
function subjects(list: unknown): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of arr(list)) {
    if (s?.kind === 'ServiceAccount') sas.push(`${str(s.namespace)}/${str(s.name)}`);
    else if (s?.kind === 'User') users.push(str(s.name));
    else if (s?.kind === 'Group') groups.push(str(s.name));
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

const bindingPrinter = (what: string): TablePrinter =>
  printer(
    [
      nameCol(),
      col('Role', 'string', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
      ageCol(),
      col('Users', 'string', `Users in the ${what}`, 1),
      col('Groups', 'string', `Groups in the ${what}`, 1),
      col('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
    ],
    (obj, now) => [nameOf(obj), `${str(obj?.roleRef?.kind)}/${str(obj?.roleRef?.name)}`, age(obj, now), ...subjects(obj?.subjects)],
  );

// ---------------------------------------------------------------------------------------------------------------
// flowcontrol

const flowSchemas = printer(
  [
    nameCol(),
    col('PriorityLevel', 'string', '`name` is the name of the priority level configuration being referenced'),
    col('MatchingPrecedence', 'string', '`matchingPrecedence` is used to choose among the FlowSchemas that match a given request.'),
    col('DistinguisherMethod', 'string', '`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema.'),
    ageCol(),
    col('MissingPL', 'string', 'references a broken or non-existent PriorityLevelConfiguration'),
  ],
  (obj, now) => {
    const spec = obj?.spec ?? {};
    const dangling = arr(obj?.status?.conditions).find((c) => c?.type === 'Dangling');
    return [
      nameOf(obj),
      str(spec.priorityLevelConfiguration?.name),
      num(spec.matchingPrecedence),
      spec.distinguisherMethod ? str(spec.distinguisherMethod.type) : '<none>',
      age(obj, now),
      dangling ? str(dangling.status) : '?',
    ];
  },
);

const priorityLevelConfigurations = printer(
  [
    nameCol(),
    col('Type', 'string', '`type` indicates whether this priority level is subject to limitation on request execution.'),
    col('NominalConcurrencyShares', 'string', '`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level.'),
    col('Queues', 'string', '`queues` is the number of queues for this priority level.'),
    col('HandSize', 'string', '`handSize` is a small positive number that configures the shuffle sharding of requests into queues.'),
    col('QueueLengthLimit', 'string', '`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time.'),
    ageCol(),
  ],
  (obj, now) => {
    const limited = obj?.spec?.limited;
    let ncs: unknown = '<none>';
    let queues: unknown = '<none>';
    let handSize: unknown = '<none>';
    let queueLengthLimit: unknown = '<none>';
    if (limited) {
      ncs = num(limited.nominalConcurrencyShares);
      const q = limited.limitResponse?.queuing;
      if (q) {
        queues = num(q.queues);
        handSize = num(q.handSize);
        queueLengthLimit = num(q.queueLengthLimit);
      }
    }
    return [nameOf(obj), str(obj?.spec?.type), ncs, queues, handSize, queueLengthLimit, age(obj, now)];
  },
);

// ---------------------------------------------------------------------------------------------------------------
// certificates

/** Upstream extractCSRStatus: Denied / Approved / Pending, then `,Failed` and `,Issued` when they apply. */
export function csrCondition(obj: any): string {
  let approved = false;
  let denied = false;
  let failed = false;
  for (const c of arr(obj?.status?.conditions)) {
    if (c?.type === 'Approved') approved = true;
    else if (c?.type === 'Denied') denied = true;
    else if (c?.type === 'Failed') failed = true;
  }
  let s = denied ? 'Denied' : approved ? 'Approved' : 'Pending';
  if (failed) s += ',Failed';
  if (str(obj?.status?.certificate) !== '') s += ',Issued';
  return s;
}

const certificateSigningRequests = printer(
  [
    nameCol(),
    ageCol(),
    col(
      'SignerName',
      'string',
      'Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`.\nIf empty, it will be defaulted:\n 1. If it\'s a kubelet client certificate, it is assigned\n    "kubernetes.io/kube-apiserver-client-kubelet".\n 2. If it\'s a kubelet serving certificate, it is assigned\n    "kubernetes.io/kubelet-serving".\n 3. Otherwise, it is assigned "kubernetes.io/legacy-unknown".\nDistribution of trust for signers happens out of band.\nYou can select on this field using `spec.signerName`.',
    ),
    col('Requestor', 'string', 'Base64-encoded PKCS#10 CSR data'),
    col(
      'RequestedDuration',
      'string',
      'expirationSeconds is the requested duration of validity of the issued certificate. The certificate signer may issue a certificate with a different validity duration so a client must check the delta between the notBefore and and notAfter fields in the issued certificate to determine the actual duration.\n\nThe v1.22+ in-tree implementations of the well-known Kubernetes signers will honor this field as long as the requested duration is not greater than the maximum duration they will honor per the --cluster-signing-duration CLI flag to the Kubernetes controller manager.\n\nCertificate signers may not honor this field for various reasons:\n\n  1. Old signer that is unaware of the field (such as the in-tree\n     implementations prior to v1.22)\n  2. Signer whose configured maximum is shorter than the requested duration\n  3. Signer whose configured minimum is longer than the requested duration\n\nThe minimum valid value for expirationSeconds is 600, i.e. 10 minutes.\n\nAs of v1.22, this field is beta and is controlled via the CSRDuration feature gate.',
    ),
    col('Condition', 'string', 'Conditions applied to the request, such as approval or denial.'),
  ],
  (obj, now) => {
    const spec = obj?.spec ?? {};
    const exp = spec.expirationSeconds;
    return [
      nameOf(obj),
      age(obj, now),
      str(spec.signerName) || '<none>',
      str(spec.username),
      typeof exp === 'number' ? humanDuration(exp * 1000) : '<none>',
      csrCondition(obj),
    ];
  },
);

/** Printers of the remaining groups, keyed by `group/resource`. */
export const otherPrinters: Record<string, TablePrinter> = {
  'autoscaling/horizontalpodautoscalers': horizontalPodAutoscalers,
  'networking.k8s.io/ingresses': ingresses,
  'networking.k8s.io/ingressclasses': ingressClasses,
  'networking.k8s.io/networkpolicies': networkPolicies,
  'discovery.k8s.io/endpointslices': endpointSlices,
  'policy/poddisruptionbudgets': podDisruptionBudgets,
  'scheduling.k8s.io/priorityclasses': priorityClasses,
  'coordination.k8s.io/leases': leases,
  'storage.k8s.io/storageclasses': storageClasses,
  'rbac.authorization.k8s.io/rolebindings': bindingPrinter('roleBinding'),
  'rbac.authorization.k8s.io/clusterrolebindings': bindingPrinter('clusterRoleBinding'),
  'flowcontrol.apiserver.k8s.io/flowschemas': flowSchemas,
  'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations': priorityLevelConfigurations,
  'certificates.k8s.io/certificatesigningrequests': certificateSigningRequests,
};
