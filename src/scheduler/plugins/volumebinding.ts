// VolumeBinding (upstream plugins/volumebinding): checks a pod's PersistentVolumeClaims against each node (bound PV node affinity, static matching or dynamic provisioning for WaitForFirstConsumer claims), assumes the chosen volumes in Reserve and writes the bindings in PreBind.
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, TopologySelectorTerm } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { parseQuantity, selectorFromLabelSelector, type MetaLabelSelector, type Quantity } from '../../apimachinery/index.js';
import type { Lister } from '../../client/index.js';
import { CycleState, Status, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type PreBindPlugin, type PreFilterPlugin, type PreFilterResult, type ReservePlugin } from '../framework.js';
import type { NodeInfo } from '../nodeinfo.js';
import type { Handle } from '../runtime.js';
import { nodeSelectorTermMatches } from './nodeaffinity.js';

export const VOLUME_BINDING = 'VolumeBinding';
/** Upstream ErrReasonBindConflict. */
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
/** Upstream ErrReasonNodeConflict. */
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
/** Upstream ErrReasonPVNotExist. */
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
/** PreFilter's reason for claims that the PV controller (not the scheduler) must bind first. */
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

/** Set on a PVC by the scheduler: the node a WaitForFirstConsumer volume is to be provisioned for. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** Set on a PVC once its binding is complete (upstream: by the PV controller). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** Set on a PV (and by the PV controller on a PVC) when the binding was made by a controller, not the user. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** The deprecated storage-class annotation, still preferred over spec.storageClassName when present. */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
/** The provisioner of classes that cannot provision dynamically (local volumes). */
export const NOT_SUPPORTED_PROVISIONER = 'kubernetes.io/no-provisioner';
const HOSTNAME_LABEL = 'kubernetes.io/hostname';
const STATE_KEY = `PreFilter${VOLUME_BINDING}`;

/** kubescheduler.config.k8s.io/v1 VolumeBindingArgs (scoring shape is not supported). */
export interface VolumeBindingArgs {
  /** How long PreBind waits for its bindings to show in the informers (default 600). */
  bindTimeoutSeconds?: number;
}

type PV = PersistentVolume;
type PVC = PersistentVolumeClaim;

/** A claim matched to an existing volume on a node. */
export interface StaticBinding {
  pv: PV;
  pvc: PVC;
}

/** What the pod needs done on one node (upstream PodVolumes). */
export interface PodVolumes {
  staticBindings: StaticBinding[];
  dynamicProvisions: PVC[];
}

class StateData {
  /** Node name -> the volumes to bind or provision there (set by Filter). */
  readonly byNode = new Map<string, PodVolumes>();
  /** The assumed objects of the node Reserve picked. */
  reserved: PodVolumes | undefined;
  allBound = false;
  constructor(
    readonly boundClaims: PVC[],
    readonly delayClaims: PVC[],
  ) {}
  clone(): StateData {
    return this;
  }
}

/** The storage class of a claim: the beta annotation, else spec.storageClassName, else ''. */
export function claimClass(pvc: PVC): string {
  return pvc.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? pvc.spec?.storageClassName ?? '';
}

/** The storage class of a volume: the beta annotation, else spec.storageClassName, else ''. */
export function volumeClass(pv: PV): string {
  return pv.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? pv.spec?.storageClassName ?? '';
}

/** Upstream IsVolumeBoundToClaim: the PV's claimRef names the claim (and its uid, when the ref has one). */
export function isVolumeBoundToClaim(pv: PV, pvc: PVC): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata?.name || (ref.namespace ?? '') !== (pvc.metadata?.namespace ?? '')) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

/** Upstream CheckNodeAffinity: a PV without `spec.nodeAffinity.required` fits every node; otherwise one term must match the labels. */
export function volumeNodeAffinityMatches(pv: PV, labels: Readonly<Record<string, string>>): boolean {
  const req = pv.spec?.nodeAffinity?.required;
  if (!req) return true;
  // Upstream checks against a node made of the labels only: field terms (metadata.name) match nothing.
  const node: Node = { metadata: { labels: labels as Record<string, string> } };
  return (req.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, node));
}

/** Upstream MatchTopologySelectorTerms: no terms match everything; otherwise some term's every expression has the label at one of its values. */
export function matchTopologySelectorTerms(terms: readonly TopologySelectorTerm[] | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!terms || terms.length === 0) return true;
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e) => labels[e.key] !== undefined && (e.values ?? []).includes(labels[e.key]!)));
}

function storageOf(list: Record<string, string> | undefined): Quantity {
  const s = list?.['storage'];
  try {
    return parseQuantity(s ?? '0');
  } catch {
    return parseQuantity('0');
  }
}

/** Whether every access mode the claim asks for is one of the volume's. */
function accessModesContained(pvc: PVC, pv: PV): boolean {
  const have = new Set(pv.spec?.accessModes ?? []);
  return (pvc.spec?.accessModes ?? []).every((m) => have.has(m));
}

/**
 * Upstream FindMatchingVolume (scheduler path): a volume pre-bound to the claim wins (or, when its node affinity does
 * not fit `node`, nothing does); otherwise the smallest volume that is not excluded, not claimed by another claim,
 * large enough, of the same volume mode and class, Available (kubets: or still Pending, as it has no PV controller
 * to make new volumes Available), matching the claim's selector, whose node affinity fits and whose access modes
 * contain the claim's. Undefined when none fits.
 */
export function findMatchingVolume(pvc: PVC, volumes: readonly PV[], node: Node, excluded: ReadonlySet<string> = new Set()): PV | undefined {
  const requested = storageOf(pvc.spec?.resources?.requests as Record<string, string> | undefined);
  const wantClass = claimClass(pvc);
  let selector: ReturnType<typeof selectorFromLabelSelector> | undefined;
  if (pvc.spec?.selector) {
    try {
      selector = selectorFromLabelSelector(pvc.spec.selector as MetaLabelSelector);
    } catch {
      return undefined;
    }
  }
  const labels = node.metadata?.labels ?? {};
  let best: PV | undefined;
  let bestQty: Quantity | undefined;
  for (const pv of volumes) {
    const name = pv.metadata?.name ?? '';
    if (excluded.has(name)) continue;
    if (pv.spec?.claimRef && !isVolumeBoundToClaim(pv, pvc)) continue;
    const qty = storageOf(pv.spec?.capacity as Record<string, string> | undefined);
    if (qty.cmp(requested) < 0) continue;
    if ((pvc.spec?.volumeMode ?? 'Filesystem') !== (pv.spec?.volumeMode ?? 'Filesystem')) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    const affinityOk = volumeNodeAffinityMatches(pv, labels);
    if (isVolumeBoundToClaim(pv, pvc)) return affinityOk ? pv : undefined;
    const phase = pv.status?.phase;
    if (phase !== undefined && phase !== 'Available' && phase !== 'Pending') continue;
    if (selector && !selector.matches(pv.metadata?.labels)) continue;
    if (volumeClass(pv) !== wantClass) continue;
    if (!affinityOk) continue;
    if (!accessModesContained(pvc, pv)) continue;
    if (!bestQty || bestQty.cmp(qty) > 0) {
      best = pv;
      bestQty = qty;
    }
  }
  return best;
}

/** The claim names a pod's volumes use: `persistentVolumeClaim.claimName`, and `<pod>-<volume>` for generic ephemeral volumes. */
export function podClaimNames(pod: Pod): { claimName: string; ephemeral: boolean }[] {
  const out: { claimName: string; ephemeral: boolean }[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim) out.push({ claimName: v.persistentVolumeClaim.claimName, ephemeral: false });
    else if (v.ephemeral) out.push({ claimName: `${pod.metadata?.name ?? ''}-${v.name}`, ephemeral: true });
  }
  return out;
}

/** An overlay of assumed objects on an informer lister (upstream AssumeCache): an assumed object wins until the informer's copy changes. */
class AssumeCache<T extends { metadata?: { resourceVersion?: string; name?: string; namespace?: string } }> {
  private readonly assumed = new Map<string, { obj: T; baseRv: string }>();
  constructor(private readonly lister: () => Lister<T> | undefined) {}

  get(key: string): T | undefined {
    const cur = this.lister()?.get(key) as T | undefined;
    const a = this.assumed.get(key);
    if (a) {
      if (cur && (cur.metadata?.resourceVersion ?? '') === a.baseRv) return a.obj;
      this.assumed.delete(key);
    }
    return cur;
  }

  list(): T[] {
    const l = this.lister();
    if (!l) return [];
    return l.keys().map((k) => this.get(k)).filter((x): x is T => x !== undefined);
  }

  /** Records `obj` as the object `key` will become; it shadows the informer's copy at `baseRv`. */
  assume(key: string, obj: T, baseRv: string): void {
    this.assumed.set(key, { obj, baseRv });
  }

  restore(key: string): void {
    this.assumed.delete(key);
  }
}

const keyOf = (o: { metadata?: { name?: string; namespace?: string } }): string => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ''}` : (o.metadata?.name ?? ''));

/**
 * Binds a pod's claims to volumes as part of scheduling. PreFilter skips pods without claims and rejects pods whose
 * claims are missing, being deleted, or unbound with Immediate binding; Filter checks bound volumes' node affinity
 * and finds (smallest fitting) volumes or dynamic provisioning for WaitForFirstConsumer claims; Reserve assumes the
 * chosen volumes so later cycles do not pick them; PreBind writes the bindings (PV claimRef, PVC volumeName and
 * bind annotations; or the PVC's selected-node annotation) and waits, up to bindTimeoutSeconds, until the
 * scheduler's informers show them. kubets has no PV controller: a claim whose volumeName names a PV that points
 * back at it counts as bound, and PreBind completes static bindings on the claim itself.
 */
export class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin, EnqueueExtensions {
  readonly name = VOLUME_BINDING;
  private readonly pvs: AssumeCache<PV>;
  private readonly pvcs: AssumeCache<PVC>;
  private readonly bindTimeoutMs: number;
  /** How often PreBind looks at the informers while waiting. */
  pollIntervalMs = 50;

  constructor(
    args: VolumeBindingArgs = {},
    private readonly handle: Handle,
  ) {
    this.pvs = new AssumeCache<PV>(() => handle.listers?.persistentVolumes as Lister<PV> | undefined);
    this.pvcs = new AssumeCache<PVC>(() => handle.listers?.persistentVolumeClaims as Lister<PVC> | undefined);
    this.bindTimeoutMs = (args.bindTimeoutSeconds ?? 600) * 1000;
  }

  eventsToRegister(): ClusterEvent[] {
    return ['PvcAdd', 'PvcUpdate', 'PvAdd', 'PvUpdate', 'StorageClassAdd', 'StorageClassUpdate', 'NodeAdd', 'NodeUpdate'];
  }

  private storageClass(name: string): StorageClass | undefined {
    return this.handle.listers?.storageClasses?.get(name) as StorageClass | undefined;
  }

  /** Whether the claim is bound: upstream's bind-completed annotation, or (no PV controller here) a volume pointing back at it. */
  private isBound(pvc: PVC): boolean {
    const vn = pvc.spec?.volumeName;
    if (!vn) return false;
    if (pvc.metadata?.annotations?.[ANN_BIND_COMPLETED] !== undefined) return true;
    const pv = this.pvs.get(vn);
    return pv !== undefined && isVolumeBoundToClaim(pv, pvc);
  }

  /** Upstream IsDelayBindingMode: the claim's class exists and binds WaitForFirstConsumer. */
  private isDelayBinding(pvc: PVC): boolean {
    const cls = claimClass(pvc);
    if (!cls) return false;
    return this.storageClass(cls)?.volumeBindingMode === 'WaitForFirstConsumer';
  }

  preFilter(state: CycleState, pod: Pod): { result?: PreFilterResult; status?: Status } | undefined {
    const claims = podClaimNames(pod);
    if (claims.length === 0) return { status: Status.skip() };
    const ns = pod.metadata?.namespace ?? '';
    const pvcs: PVC[] = [];
    for (const c of claims) {
      const pvc = this.pvcs.get(`${ns}/${c.claimName}`);
      if (!pvc) return { status: Status.unresolvable(`persistentvolumeclaim "${c.claimName}" not found`) };
      if (pvc.metadata?.deletionTimestamp) return { status: Status.unresolvable(`persistentvolumeclaim "${c.claimName}" is being deleted`) };
      if (c.ephemeral) {
        const owner = (pvc.metadata?.ownerReferences ?? []).find((o) => o.controller);
        if (!owner || owner.uid !== pod.metadata?.uid) {
          return { status: Status.unresolvable(`PVC ${ns}/${c.claimName} was not created for pod ${ns}/${pod.metadata?.name ?? ''} (pod is not owner)`) };
        }
      }
      pvcs.push(pvc);
    }
    const bound: PVC[] = [];
    const delay: PVC[] = [];
    let immediate = 0;
    for (const pvc of pvcs) {
      if (this.isBound(pvc)) bound.push(pvc);
      else if (this.isDelayBinding(pvc) && !pvc.spec?.volumeName) delay.push(pvc);
      else immediate++;
    }
    if (immediate > 0) return { status: Status.unresolvable(ERR_REASON_UNBOUND_IMMEDIATE) };
    state.write(STATE_KEY, new StateData(bound, delay));
    const eligible = this.eligibleNodes(bound);
    return eligible ? { result: { nodeNames: eligible } } : undefined;
  }

  /** Upstream GetEligibleNodes: the nodes local volumes of bound claims pin the pod to by hostname (intersected), or undefined. */
  private eligibleNodes(bound: readonly PVC[]): Set<string> | undefined {
    let out: Set<string> | undefined;
    for (const pvc of bound) {
      const pv = this.pvs.get(pvc.spec?.volumeName ?? '');
      if (!pv?.spec?.local) continue;
      const names = localVolumeNodeNames(pv);
      if (!names) continue;
      out = out === undefined ? names : new Set([...out].filter((n) => names.has(n)));
    }
    return out;
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const s = state.read<StateData>(STATE_KEY);
    if (!s) return Status.error(`error reading "${STATE_KEY}" from cycleState: not found`);
    const node = nodeInfo.node;
    if (!node) return Status.error('node not found');
    const labels = node.metadata?.labels ?? {};
    let boundOk = true;
    let pvsFound = true;
    for (const pvc of s.boundClaims) {
      const pv = this.pvs.get(pvc.spec?.volumeName ?? '');
      if (!pv) {
        pvsFound = false;
        break;
      }
      if (!volumeNodeAffinityMatches(pv, labels)) {
        boundOk = false;
        break;
      }
    }
    let unboundOk = true;
    const volumes: PodVolumes = { staticBindings: [], dynamicProvisions: [] };
    if (s.delayClaims.length > 0) {
      const toProvision: PVC[] = [];
      const toMatch: PVC[] = [];
      for (const c of s.delayClaims) {
        const sel = c.metadata?.annotations?.[ANN_SELECTED_NODE];
        if (sel !== undefined) {
          if (sel !== nodeInfo.name) return Status.unresolvable(...reasons(boundOk, false, pvsFound));
          toProvision.push(c);
        } else toMatch.push(c);
      }
      if (toMatch.length > 0) {
        const sorted = [...toMatch].sort((a, b) => storageOf(a.spec?.resources?.requests as Record<string, string> | undefined).cmp(storageOf(b.spec?.resources?.requests as Record<string, string> | undefined)));
        const chosen = new Set<string>();
        const all = this.pvs.list();
        for (const pvc of sorted) {
          const cls = claimClass(pvc);
          const pv = findMatchingVolume(
            pvc,
            all.filter((v) => volumeClass(v) === cls),
            node,
            chosen,
          );
          if (!pv) {
            unboundOk = false;
            toProvision.push(pvc);
            continue;
          }
          chosen.add(pv.metadata?.name ?? '');
          volumes.staticBindings.push({ pv, pvc });
        }
      }
      if (toProvision.length > 0) {
        unboundOk = true;
        for (const pvc of toProvision) {
          const cls = claimClass(pvc);
          if (!cls) return Status.error(`no class for claim "${keyOf(pvc)}"`);
          const sc = this.storageClass(cls);
          if (!sc) return Status.error(`failed to find storage class "${cls}"`);
          if (!sc.provisioner || sc.provisioner === NOT_SUPPORTED_PROVISIONER || !matchTopologySelectorTerms(sc.allowedTopologies, labels)) {
            unboundOk = false;
            break;
          }
          volumes.dynamicProvisions.push(pvc);
        }
      }
    }
    const r = reasons(boundOk, unboundOk, pvsFound);
    if (r.length > 0) return Status.unresolvable(...r);
    s.byNode.set(nodeInfo.name, volumes);
    return undefined;
  }

  async reserve(state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined> {
    const s = state.read<StateData>(STATE_KEY);
    if (!s) return undefined;
    const v = s.byNode.get(nodeName);
    if (!v || (v.staticBindings.length === 0 && v.dynamicProvisions.length === 0)) {
      s.allBound = true;
      return undefined;
    }
    const reserved: PodVolumes = { staticBindings: [], dynamicProvisions: [] };
    for (const b of v.staticBindings) {
      const pv = structuredClone(b.pv) as PV;
      pv.spec = {
        ...pv.spec,
        claimRef: {
          kind: 'PersistentVolumeClaim',
          apiVersion: 'v1',
          namespace: b.pvc.metadata?.namespace ?? '',
          name: b.pvc.metadata?.name ?? '',
          ...(b.pvc.metadata?.uid ? { uid: b.pvc.metadata.uid } : {}),
          ...(b.pvc.metadata?.resourceVersion ? { resourceVersion: b.pvc.metadata.resourceVersion } : {}),
        },
      };
      pv.metadata = { ...pv.metadata, annotations: { ...pv.metadata?.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' } };
      this.pvs.assume(keyOf(pv), pv, b.pv.metadata?.resourceVersion ?? '');
      reserved.staticBindings.push({ pv, pvc: b.pvc });
    }
    for (const c of v.dynamicProvisions) {
      const pvc = structuredClone(c) as PVC;
      pvc.metadata = { ...pvc.metadata, annotations: { ...pvc.metadata?.annotations, [ANN_SELECTED_NODE]: nodeName } };
      this.pvcs.assume(keyOf(pvc), pvc, c.metadata?.resourceVersion ?? '');
      reserved.dynamicProvisions.push(pvc);
    }
    s.reserved = reserved;
    s.allBound = false;
    return undefined;
  }

  async unreserve(state: CycleState): Promise<void> {
    const s = state.read<StateData>(STATE_KEY);
    const r = s?.reserved;
    if (!s || !r) return;
    for (const b of r.staticBindings) this.pvs.restore(keyOf(b.pv));
    for (const c of r.dynamicProvisions) this.pvcs.restore(keyOf(c));
    s.reserved = undefined;
  }

  async preBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined> {
    const s = state.read<StateData>(STATE_KEY);
    if (!s || s.allBound) return undefined;
    const r = s.reserved;
    if (!r) return Status.error(`no pod volumes found for node "${nodeName}"`);
    const client = this.handle.client;
    if (!client) return Status.error('binding volumes: no API client');
    const deadline = Date.now() + this.bindTimeoutMs;
    const pvApi = client.resource<PV>('persistentvolumes');
    const pvcApi = client.resource<PVC>('persistentvolumeclaims');
    try {
      for (const b of r.staticBindings) {
        const pv = await pvApi.update(b.pv);
        // The PV controller's half of the binding (kubets has none): the claim records its volume.
        const latest = await pvcApi.get(b.pvc.metadata?.name ?? '', { namespace: b.pvc.metadata?.namespace ?? '' });
        if (latest.spec?.volumeName !== pv.metadata?.name || latest.metadata?.annotations?.[ANN_BIND_COMPLETED] === undefined) {
          const pvc = structuredClone(latest);
          pvc.spec = { ...pvc.spec, volumeName: pv.metadata?.name ?? '' };
          pvc.metadata = { ...pvc.metadata, annotations: { ...pvc.metadata?.annotations, [ANN_BIND_COMPLETED]: 'yes', [ANN_BOUND_BY_CONTROLLER]: 'yes' } };
          await pvcApi.update(pvc, { namespace: pvc.metadata?.namespace ?? '' });
        }
      }
      for (const c of r.dynamicProvisions) await pvcApi.update(c, { namespace: c.metadata?.namespace ?? '' });
    } catch (err) {
      return Status.error(`binding volumes: ${(err as Error).message}`);
    }
    if (!this.handle.listers?.persistentVolumes || !this.handle.listers.persistentVolumeClaims) return undefined;
    while (!this.bindingsVisible(r, nodeName)) {
      if (Date.now() >= deadline) return Status.error('binding volumes: context deadline exceeded');
      await new Promise((res) => setTimeout(res, Math.min(this.pollIntervalMs, Math.max(1, deadline - Date.now()))));
    }
    return undefined;
  }

  /** Whether the informers show every write PreBind made (what the scheduler itself can observe). */
  private bindingsVisible(r: PodVolumes, nodeName: string): boolean {
    const pvl = this.handle.listers?.persistentVolumes;
    const pvcl = this.handle.listers?.persistentVolumeClaims;
    for (const b of r.staticBindings) {
      const pv = pvl?.get(keyOf(b.pv)) as PV | undefined;
      const pvc = pvcl?.get(keyOf(b.pvc)) as PVC | undefined;
      if (!pv || !pvc || !isVolumeBoundToClaim(pv, pvc) || pvc.spec?.volumeName !== pv.metadata?.name) return false;
    }
    for (const c of r.dynamicProvisions) {
      const pvc = pvcl?.get(keyOf(c)) as PVC | undefined;
      if (!pvc || pvc.metadata?.annotations?.[ANN_SELECTED_NODE] !== nodeName) return false;
    }
    return true;
  }
}

function reasons(boundOk: boolean, unboundOk: boolean, pvsFound: boolean): string[] {
  const out: string[] = [];
  if (!boundOk) out.push(ERR_REASON_NODE_CONFLICT);
  if (!unboundOk) out.push(ERR_REASON_BIND_CONFLICT);
  if (!pvsFound) out.push(ERR_REASON_PV_NOT_EXIST);
  return out;
}

/**
 * Upstream GetLocalPersistentVolumeNodeNames: per node selector term, the intersection of its `kubernetes.io/hostname
 * In` values; the union over terms. Undefined when the PV has no required affinity or a term names no hostname (kubets
 * then does not narrow, where upstream would drop the term).
 */
export function localVolumeNodeNames(pv: PV): Set<string> | undefined {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return undefined;
  const out = new Set<string>();
  for (const t of terms) {
    let names: Set<string> | undefined;
    for (const e of t.matchExpressions ?? []) {
      if (e.key !== HOSTNAME_LABEL || e.operator !== 'In') continue;
      const vals = new Set(e.values ?? []);
      names = names === undefined ? vals : new Set([...names].filter((n) => vals.has(n)));
    }
    if (names === undefined) return undefined;
    for (const n of names) out.add(n);
  }
  return out;
}
