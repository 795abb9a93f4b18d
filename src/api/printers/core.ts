// Table printers for core/v1 resources, as upstream pkg/printers/internalversion/printers.go (1.32).

import { convertObject } from '../conversion.js';
import {
  age,
  ageCol,
  arr,
  col,
  CONTAINERS_DOC,
  containerCells,
  formatLabels,
  goSort,
  humanDuration,
  IMAGES_DOC,
  keyCount,
  NAME_DOC,
  nameCol,
  nameOf,
  num,
  parseTime,
  printer,
  quantityString,
  since,
  str,
  type TablePrinter,
} from './util.js';

// ---------------------------------------------------------------------------------------------------------------
// pods

const isRestartableInit = (c: any): boolean => c?.restartPolicy === 'Always';

function conditionTrue(conditions: unknown, type: string): boolean {
  for (const c of arr(conditions)) {
    if (c?.type === type) return c?.status === 'True';
  }
  return false;
}

function hasPodReady(conditions: unknown): boolean {
  return arr(conditions).some((c) => c?.type === 'Ready' && c?.status === 'True');
}

/** Latest time of two (undefined = zero time). */
function later(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (b === undefined) return a;
  if (a === undefined || a.getTime() < b.getTime()) return b;
  return a;
}

/** Cells of one pod row (upstream printPod with Wide). */
export function podRow(pod: any, now: Date): unknown[] {
  const spec = pod?.spec ?? {};
  const status = pod?.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = arr(spec.containers).length;
  let readyContainers = 0;
  let lastRestart: Date | undefined;
  let lastRestartableInitRestart: Date | undefined;

  const phase = str(status.phase);
  let reason = phase;
  if (str(status.reason) !== '') reason = str(status.reason);
  for (const c of arr(status.conditions)) {
    if (c?.type === 'PodScheduled' && c?.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map<string, any>();
  for (const c of arr(spec.initContainers)) {
    initContainers.set(str(c?.name), c);
    if (isRestartableInit(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    restarts += num(cs?.restartCount);
    const lastTerminated = cs?.lastState?.terminated;
    if (lastTerminated) lastRestart = later(lastRestart, parseTime(lastTerminated.finishedAt));
    const restartable = isRestartableInit(initContainers.get(str(cs?.name)));
    if (restartable) {
      restartableInitRestarts += num(cs?.restartCount);
      if (lastTerminated) lastRestartableInitRestart = later(lastRestartableInitRestart, parseTime(lastTerminated.finishedAt));
    }
    const terminated = cs?.state?.terminated;
    const waiting = cs?.state?.waiting;
    if (terminated && num(terminated.exitCode) === 0) continue;
    if (restartable && cs?.started === true) {
      if (cs?.ready === true) readyContainers++;
      continue;
    }
    if (terminated) {
      if (str(terminated.reason) === '') {
        reason = num(terminated.signal) !== 0 ? `Init:Signal:${num(terminated.signal)}` : `Init:ExitCode:${num(terminated.exitCode)}`;
      } else {
        reason = `Init:${str(terminated.reason)}`;
      }
    } else if (waiting && str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${arr(spec.initContainers).length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status.conditions, 'Initialized')) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += num(cs?.restartCount);
      const lastTerminated = cs?.lastState?.terminated;
      if (lastTerminated) lastRestart = later(lastRestart, parseTime(lastTerminated.finishedAt));
      const waiting = cs?.state?.waiting;
      const terminated = cs?.state?.terminated;
      if (waiting && str(waiting.reason) !== '') {
        reason = str(waiting.reason);
      } else if (terminated && str(terminated.reason) !== '') {
        reason = str(terminated.reason);
      } else if (terminated) {
        reason = num(terminated.signal) !== 0 ? `Signal:${num(terminated.signal)}` : `ExitCode:${num(terminated.exitCode)}`;
      } else if (cs?.ready === true && cs?.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasPodReady(status.conditions) ? 'Running' : 'NotReady';
  }

  const deleting = parseTime(pod?.metadata?.deletionTimestamp) !== undefined;
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Failed' && phase !== 'Succeeded') reason = 'Terminating';

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsCell = `${restarts} (${humanDuration(now.getTime() - lastRestart.getTime())} ago)`;
  }

  const podIP = str(arr(status.podIPs)[0]?.ip) || str(status.podIP) || '<none>';
  const nodeName = str(spec.nodeName) || '<none>';
  const nominated = str(status.nominatedNodeName) || '<none>';
  let readinessGates = '<none>';
  const gates = arr(spec.readinessGates);
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const g of gates) {
      const c = arr(status.conditions).find((x) => x?.type === g?.conditionType);
      if (c?.status === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }
  return [
    nameOf(pod),
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsCell,
    age(pod, now),
    podIP,
    nodeName,
    nominated,
    readinessGates,
  ];
}

const pods = printer(
  [
    nameCol(),
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageCol(),
    col('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
    col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  podRow,
);

const podTemplates = printer(
  [
    nameCol(),
    col('Containers', 'string', CONTAINERS_DOC),
    col('Images', 'string', IMAGES_DOC),
    col('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  (obj) => {
    const [names, images] = containerCells(obj?.template?.spec?.containers);
    return [nameOf(obj), names, images, formatLabels(obj?.template?.metadata?.labels)];
  },
);

const replicationControllers = printer(
  [
    nameCol(),
    col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
    ageCol(),
    col('Containers', 'string', CONTAINERS_DOC, 1),
    col('Images', 'string', IMAGES_DOC, 1),
    col('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count.', 1),
  ],
  (obj, now) => {
    const [names, images] = containerCells(obj?.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      num(obj?.spec?.replicas, 1),
      num(obj?.status?.replicas),
      num(obj?.status?.readyReplicas),
      age(obj, now),
      names,
      images,
      formatLabels(obj?.spec?.selector),
    ];
  },
);

// ---------------------------------------------------------------------------------------------------------------
// services and endpoints

/** Unique load-balancer ingress IPs/hostnames, sorted and comma-joined (wide form: never truncated). */
export function loadBalancerString(ingress: unknown): string {
  const set = new Set<string>();
  for (const i of arr(ingress)) {
    if (str(i?.ip) !== '') set.add(str(i.ip));
    else if (str(i?.hostname) !== '') set.add(str(i.hostname));
  }
  return goSort(set).join(',');
}

function serviceExternalIP(svc: any): string {
  const spec = svc?.spec ?? {};
  const externalIPs = arr(spec.externalIPs).map(str);
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerString(svc?.status?.loadBalancer?.ingress);
      if (externalIPs.length > 0) return [...(lb === '' ? [] : lb.split(',')), ...externalIPs].join(',');
      return lb === '' ? '<pending>' : lb;
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

function servicePorts(ports: unknown): string {
  return arr(ports)
    .map((p) => {
      const proto = str(p?.protocol) || 'TCP';
      const nodePort = num(p?.nodePort);
      return nodePort > 0 ? `${num(p?.port)}:${nodePort}/${proto}` : `${num(p?.port)}/${proto}`;
    })
    .join(',');
}

const services = printer(
  [
    nameCol(),
    col('Type', 'string', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageCol(),
    col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  (svc, now) => {
    const spec = svc?.spec ?? {};
    const clusterIP = str(arr(spec.clusterIPs)[0]) || str(spec.clusterIP) || '<none>';
    const ports = servicePorts(spec.ports) || '<none>';
    return [nameOf(svc), str(spec.type) || 'ClusterIP', clusterIP, serviceExternalIP(svc), ports, age(svc, now), formatLabels(spec.selector)];
  },
);

/** Go net.JoinHostPort: brackets hosts containing a colon (IPv6). */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Upstream formatEndpoints with ports=nil: up to 3 `ip:port` entries then `+ N more...`; `<none>` without subsets. */
export function formatEndpoints(subsets: unknown): string {
  const ss = arr(subsets);
  if (ss.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const s of ss) {
    const addresses = arr(s?.addresses);
    const ports = arr(s?.ports);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(a?.ip));
      }
      continue;
    }
    for (const p of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(str(a?.ip), num(p?.port)));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

const endpoints = printer(
  [nameCol(), col('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), ageCol()],
  (obj, now) => [nameOf(obj), formatEndpoints(obj?.subsets), age(obj, now)],
);

// ---------------------------------------------------------------------------------------------------------------
// nodes, namespaces and simple core objects

/** Node roles from `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value, sorted and unique. */
export function nodeRoles(labels: unknown): string[] {
  const roles = new Set<string>();
  if (labels !== null && typeof labels === 'object') {
    for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
      if (k.startsWith('node-role.kubernetes.io/')) {
        const role = k.slice('node-role.kubernetes.io/'.length);
        if (role !== '') roles.add(role);
      } else if (k === 'kubernetes.io/role' && typeof v === 'string' && v !== '') {
        roles.add(v);
      }
    }
  }
  return goSort(roles);
}

function nodeAddress(node: any, type: string): string {
  const a = arr(node?.status?.addresses).find((x) => x?.type === type);
  return a ? str(a.address) : '<none>';
}

const nodes = printer(
  [
    nameCol(),
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    ageCol(),
    col('Version', 'string', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
    col('External-IP', 'string', 'List of addresses reachable to the node.', 1),
    col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  (node, now) => {
    const status: string[] = [];
    let ready: any;
    for (const c of arr(node?.status?.conditions)) if (c?.type === 'Ready') ready = c;
    if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
    if (status.length === 0) status.push('Unknown');
    if (node?.spec?.unschedulable === true) status.push('SchedulingDisabled');
    const roles = nodeRoles(node?.metadata?.labels).join(',') || '<none>';
    const info = node?.status?.nodeInfo ?? {};
    return [
      nameOf(node),
      status.join(','),
      roles,
      age(node, now),
      str(info.kubeletVersion),
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
);

const namespaces = printer([nameCol(), col('Status', 'string', 'The status of the namespace'), ageCol()], (obj, now) => [
  nameOf(obj),
  str(obj?.status?.phase),
  age(obj, now),
]);

const secrets = printer(
  [nameCol(), col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'string', 'Data contains the secret data.'), ageCol()],
  (obj, now) => [nameOf(obj), str(obj?.type), keyCount(obj?.data), age(obj, now)],
);

const configMaps = printer([nameCol(), col('Data', 'string', 'Data contains the configuration data.'), ageCol()], (obj, now) => [
  nameOf(obj),
  keyCount(obj?.data) + keyCount(obj?.binaryData),
  age(obj, now),
]);

const serviceAccounts = printer(
  [nameCol(), col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), ageCol()],
  (obj, now) => [nameOf(obj), arr(obj?.secrets).length, age(obj, now)],
);

const componentStatuses = printer(
  [
    nameCol(),
    col('Status', 'string', 'Status of the component conditions'),
    col('Message', 'string', 'Message of the component conditions'),
    col('Error', 'string', 'Error of the component conditions'),
  ],
  (obj) => {
    let status = 'Unknown';
    let message = '';
    let error = '';
    const c = arr(obj?.conditions).find((x) => x?.type === 'Healthy');
    if (c) {
      status = c.status === 'True' ? 'Healthy' : 'Unhealthy';
      message = str(c.message);
      error = str(c.error);
    }
    return [nameOf(obj), status, message, error];
  },
);

const resourceQuotas = printer(
  [
    nameCol(),
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ageCol(),
  ],
  (obj, now) => {
    const hard = (obj?.status?.hard ?? {}) as Record<string, unknown>;
    const used = (obj?.status?.used ?? {}) as Record<string, unknown>;
    const requests: string[] = [];
    const limits: string[] = [];
    for (const r of goSort(Object.keys(hard))) {
      const pieces = r.split('.');
      const target = pieces.length > 1 && pieces[0] === 'limits' ? limits : requests;
      target.push(`${r}: ${quantityString(used[r])}/${quantityString(hard[r])}`);
    }
    return [nameOf(obj), requests.join(', '), limits.join(', '), age(obj, now)];
  },
);

// ---------------------------------------------------------------------------------------------------------------
// storage

/** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, de-duplicated. */
export function accessModes(modes: unknown): string {
  const set = new Set(arr(modes).map(str));
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

function storageClassOf(obj: any): string {
  const ann = obj?.metadata?.annotations;
  if (ann && typeof ann === 'object' && BETA_STORAGE_CLASS in ann) return str(ann[BETA_STORAGE_CLASS]);
  return str(obj?.spec?.storageClassName);
}

const persistentVolumes = printer(
  [
    nameCol(),
    col('Capacity', 'string', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageCol(),
    col('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', 1),
  ],
  (pv, now) => {
    const spec = pv?.spec ?? {};
    const claim = spec.claimRef ? `${str(spec.claimRef.namespace)}/${str(spec.claimRef.name)}` : '';
    const phase = parseTime(pv?.metadata?.deletionTimestamp) !== undefined ? 'Terminating' : str(pv?.status?.phase);
    return [
      nameOf(pv),
      quantityString(spec.capacity?.storage),
      accessModes(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      phase,
      claim,
      storageClassOf(pv),
      str(spec.volumeAttributesClassName) || '<unset>',
      str(pv?.status?.reason),
      age(pv, now),
      str(spec.volumeMode) || '<unset>',
    ];
  },
);

const persistentVolumeClaims = printer(
  [
    nameCol(),
    col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageCol(),
    col('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', 1),
  ],
  (pvc, now) => {
    const spec = pvc?.spec ?? {};
    const phase = parseTime(pvc?.metadata?.deletionTimestamp) !== undefined ? 'Terminating' : str(pvc?.status?.phase);
    let capacity = '';
    let modes = '';
    if (str(spec.volumeName) !== '') {
      modes = accessModes(pvc?.status?.accessModes);
      capacity = quantityString(pvc?.status?.capacity?.storage);
    }
    return [
      nameOf(pvc),
      phase,
      str(spec.volumeName),
      capacity,
      modes,
      storageClassOf(pvc),
      str(spec.volumeAttributesClassName) || '<unset>',
      age(pvc, now),
      str(spec.volumeMode) || '<unset>',
    ];
  },
);

// ---------------------------------------------------------------------------------------------------------------
// events (core/v1 and events.k8s.io/v1 share this printer)

function formatEventSource(ev: any): string {
  const component = str(ev?.source?.component) || str(ev?.reportingComponent);
  const host = str(ev?.source?.host) || str(ev?.reportingInstance);
  return host === '' ? component : `${component}, ${host}`;
}

/** Whether an Event is in the events.k8s.io/v1 shape (by apiVersion, else by its v1-only fields). */
function isEventsV1(ev: any): boolean {
  if (typeof ev?.apiVersion === 'string' && ev.apiVersion !== '') return ev.apiVersion === 'events.k8s.io/v1';
  return ev !== null && typeof ev === 'object' && !('involvedObject' in ev) && ('regarding' in ev || 'note' in ev || 'reportingController' in ev);
}

/** Cells of an event row (upstream printEvent with Wide); accepts core/v1 or events.k8s.io/v1 shapes. */
export function eventRow(input: any, now: Date): unknown[] {
  const ev = isEventsV1(input) ? convertObject(input, 'events.k8s.io/v1', 'v1') : input;
  let firstTimestamp = since(ev?.firstTimestamp, now);
  if (parseTime(ev?.firstTimestamp) === undefined) firstTimestamp = since(ev?.eventTime, now);
  let lastTimestamp = since(ev?.lastTimestamp, now);
  if (parseTime(ev?.lastTimestamp) === undefined) lastTimestamp = firstTimestamp;
  let count = num(ev?.count);
  if (ev?.series) {
    lastTimestamp = since(ev.series.lastObservedTime, now);
    count = num(ev.series.count);
  } else if (count === 0) {
    count = 1;
  }
  const kind = str(ev?.involvedObject?.kind).toLowerCase();
  const target = str(ev?.involvedObject?.name) !== '' ? `${kind}/${str(ev.involvedObject.name)}` : kind;
  return [
    lastTimestamp,
    str(ev?.type),
    str(ev?.reason),
    target,
    str(ev?.involvedObject?.fieldPath),
    formatEventSource(ev),
    str(ev?.message).trim(),
    firstTimestamp,
    count,
    nameOf(ev),
  ];
}

const events = printer(
  [
    col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    col('Object', 'string', 'The object that this event is about.'),
    col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', 1),
    col('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
    col('Message', 'string', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
    col('Count', 'string', 'The number of times this event has occurred.', 1),
    col('Name', 'string', NAME_DOC, 1, 'name'),
  ],
  eventRow,
);

/** Core-group printers by plural resource name. */
export const corePrinters: Record<string, TablePrinter> = {
  pods,
  podtemplates: podTemplates,
  replicationcontrollers: replicationControllers,
  services,
  endpoints,
  nodes,
  namespaces,
  secrets,
  configmaps: configMaps,
  serviceaccounts: serviceAccounts,
  componentstatuses: componentStatuses,
  resourcequotas: resourceQuotas,
  persistentvolumes: persistentVolumes,
  persistentvolumeclaims: persistentVolumeClaims,
  events,
};
