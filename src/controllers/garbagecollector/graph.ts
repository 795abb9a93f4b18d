// The garbage collector's dependency graph (upstream graph_builder.go): metadata-only nodes by uid, owner → dependents edges, virtual owners.

/** The finalizer that makes the garbage collector orphan an owner's dependents before the owner goes. */
export const FINALIZER_ORPHAN = 'orphan';
/** The finalizer that makes the garbage collector delete an owner's (blocking) dependents before the owner goes. */
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

/** metadata.ownerReferences[] as the graph keeps it. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Where an object lives (upstream objectReference): its coordinates plus its namespace ('' = cluster-scoped or unknown). */
export interface ObjectIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly namespace: string;
}

/** The part of an object's metadata the graph reads. */
export interface ObservedMeta {
  readonly uid?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly ownerReferences?: readonly Readonly<OwnerReference>[];
  readonly deletionTimestamp?: string;
  readonly finalizers?: readonly string[];
}

/** upstream objectReference.String(): `[apiVersion/kind, namespace: ns, name: n, uid: u]`. */
export function identityString(id: ObjectIdentity): string {
  return `[${id.apiVersion}/${id.kind}, namespace: ${id.namespace}, name: ${id.name}, uid: ${id.uid}]`;
}

/** Whether two identities name the same coordinates and namespace. */
export function sameIdentity(a: ObjectIdentity, b: ObjectIdentity): boolean {
  return a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion && a.namespace === b.namespace;
}

/** Whether an owner reference names exactly these coordinates (uid, name, kind, apiVersion). */
export function refMatchesCoordinates(ref: OwnerReference, id: ObjectIdentity): boolean {
  return ref.uid === id.uid && ref.name === id.name && ref.kind === id.kind && ref.apiVersion === id.apiVersion;
}

/** Whether `meta` carries finalizer `f`. */
export function hasFinalizer(meta: ObservedMeta | undefined, f: string): boolean {
  return (meta?.finalizers ?? []).includes(f);
}

/** Whether `meta` has a deletionTimestamp. */
export function beingDeleted(meta: ObservedMeta | undefined): boolean {
  return !!meta?.deletionTimestamp;
}

/** True when `next` is being deleted with finalizer `f` and `prev` (absent for adds) was not (upstream deletionStartsWithFinalizer). */
export function deletionStartsWithFinalizer(prev: ObservedMeta | undefined, next: ObservedMeta, f: string): boolean {
  if (!beingDeleted(next) || !hasFinalizer(next, f)) return false;
  if (prev === undefined) return true;
  return !beingDeleted(prev) || !hasFinalizer(prev, f);
}

/** Differences between two ownerReferences lists, matched by uid (upstream referencesDiffs). */
export function referencesDiffs(
  prev: readonly OwnerReference[],
  next: readonly OwnerReference[],
): { added: OwnerReference[]; removed: OwnerReference[]; changed: { oldRef: OwnerReference; newRef: OwnerReference }[] } {
  const old = new Map(prev.map((r) => [r.uid, r] as const));
  const added: OwnerReference[] = [];
  const changed: { oldRef: OwnerReference; newRef: OwnerReference }[] = [];
  for (const r of next) {
    const o = old.get(r.uid);
    if (o === undefined) added.push(r);
    else {
      if (!sameRef(o, r)) changed.push({ oldRef: o, newRef: r });
      old.delete(r.uid);
    }
  }
  return { added, removed: [...old.values()], changed };
}

function sameRef(a: OwnerReference, b: OwnerReference): boolean {
  return (
    a.apiVersion === b.apiVersion &&
    a.kind === b.kind &&
    a.name === b.name &&
    a.uid === b.uid &&
    (a.controller ?? undefined) === (b.controller ?? undefined) &&
    (a.blockOwnerDeletion ?? undefined) === (b.blockOwnerDeletion ?? undefined)
  );
}

/** Plain copies of owner references (the graph never holds informer objects). */
export function copyRefs(refs: readonly Readonly<OwnerReference>[] | undefined): OwnerReference[] {
  return (refs ?? []).map((r) => {
    const c: OwnerReference = { apiVersion: r.apiVersion, kind: r.kind, name: r.name, uid: r.uid };
    if (r.controller !== undefined) c.controller = r.controller;
    if (r.blockOwnerDeletion !== undefined) c.blockOwnerDeletion = r.blockOwnerDeletion;
    return c;
  });
}

/** One object (or, while `observed` is false, an owner only known from its dependents' references). */
export class GraphNode {
  readonly dependents = new Set<GraphNode>();
  owners: OwnerReference[] = [];
  /** Seen through an informer; false for a virtual node made up from an owner reference. */
  observed = false;
  beingDeleted = false;
  /** Being deleted with the foregroundDeletion finalizer: waits for its blocking dependents. */
  deletingDependents = false;

  constructor(public identity: ObjectIdentity) {}

  /** Dependents whose reference to this node has blockOwnerDeletion: true. */
  blockingDependents(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const d of this.dependents) {
      if (d.owners.some((r) => r.uid === this.identity.uid && r.blockOwnerDeletion === true)) out.push(d);
    }
    return out;
  }
}

/** What the graph asks of the collector as it changes. */
export interface GraphSink {
  /** Queue `node` for attemptToDeleteItem (verify it, collect it, or finish its foreground deletion). */
  attemptToDelete(node: GraphNode): void;
  /** Queue `node` (being deleted with the orphan finalizer) for orphaning its dependents. */
  attemptToOrphan(node: GraphNode): void;
  /** Remember that an owner with this identity is known to be absent. */
  absent(identity: ObjectIdentity): void;
  /** Report a dependent whose reference names an owner that exists in another namespace. */
  invalidNamespace(dependent: GraphNode, ref: OwnerReference): void;
}

/**
 * The dependency graph, updated synchronously from informer events (JavaScript needs no graphChanges queue) and
 * from virtual delete events the collector raises when a live GET shows an owner is gone. Nodes hold only identity,
 * owner references and deletion state.
 */
export class DependencyGraph {
  private readonly nodes = new Map<string, GraphNode>();

  constructor(private readonly sink: GraphSink) {}

  /** The node with this uid, if any. */
  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** Number of nodes (observed and virtual). */
  get size(): number {
    return this.nodes.size;
  }

  /** An object was added or updated (`prev` is its previous metadata for updates). */
  observe(identity: ObjectIdentity, meta: ObservedMeta, prev?: ObservedMeta): void {
    let node = this.nodes.get(identity.uid);
    if (node && !node.observed) {
      if (!sameIdentity(node.identity, identity)) {
        // Dependents that referenced other coordinates must be re-verified (and warned about across namespaces).
        for (const dep of node.dependents) {
          const ref = dep.owners.find((r) => r.uid === identity.uid);
          if (ref && refMatchesCoordinates(ref, identity) && (identity.namespace === '' || dep.identity.namespace === identity.namespace)) continue;
          if (identity.namespace !== '' && dep.identity.namespace !== identity.namespace && ref) this.sink.invalidNamespace(dep, ref);
          this.sink.attemptToDelete(dep);
        }
        node.identity = identity;
      }
      node.observed = true;
    }
    const owners = copyRefs(meta.ownerReferences);
    if (!node) {
      node = new GraphNode(identity);
      node.observed = true;
      node.owners = owners;
      node.beingDeleted = beingDeleted(meta);
      node.deletingDependents = node.beingDeleted && hasFinalizer(meta, FINALIZER_DELETE_DEPENDENTS);
      this.nodes.set(identity.uid, node);
      this.addDependentToOwners(node, owners);
    } else {
      const { added, removed, changed } = referencesDiffs(node.owners, owners);
      if (added.length || removed.length || changed.length) {
        this.addUnblockedOwnersToDeleteQueue(removed, changed);
        node.owners = owners;
        this.addDependentToOwners(node, added);
        this.removeDependentFromOwners(node, removed);
      }
      if (beingDeleted(meta)) node.beingDeleted = true;
    }
    this.processTransitions(prev, meta, node);
  }

  /** An informer saw the object deleted. */
  observeDeleted(identity: ObjectIdentity): void {
    const node = this.nodes.get(identity.uid);
    if (node) this.removeAndNotify(node, identity);
  }

  /**
   * A live GET showed nothing with this identity exists (upstream's virtual delete event). A node observed (or
   * referenced) under other coordinates stays; only dependents that referenced these coordinates are re-checked.
   */
  virtualDelete(identity: ObjectIdentity): void {
    const node = this.nodes.get(identity.uid);
    if (!node) return;
    const matching: GraphNode[] = [];
    const nonmatching: GraphNode[] = [];
    for (const dep of node.dependents) {
      let match = false;
      let mismatch = false;
      for (const r of dep.owners) {
        if (r.uid !== identity.uid) continue;
        if (refMatchesCoordinates(r, identity)) match = true;
        else mismatch = true;
      }
      if (match) matching.push(dep);
      if (mismatch) nonmatching.push(dep);
    }
    if (node.observed) {
      if (sameIdentity(node.identity, identity)) return this.removeAndNotify(node, identity);
      if (matching.length > 0) {
        this.sink.absent(identity);
        for (const d of matching) this.sink.attemptToDelete(d);
      }
      return;
    }
    if (nonmatching.length === 0) return this.removeAndNotify(node, identity);
    if (matching.length > 0) {
      this.sink.absent(identity);
      for (const d of matching) this.sink.attemptToDelete(d);
    }
    if (sameIdentity(node.identity, identity)) {
      // Try another identity some dependent refers to this uid by.
      const dep = nonmatching[0]!;
      const ref = dep.owners.find((r) => r.uid === identity.uid && !refMatchesCoordinates(r, identity))!;
      node.identity = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace: dep.identity.namespace };
      this.sink.attemptToDelete(node);
    }
  }

  private removeAndNotify(node: GraphNode, identity: ObjectIdentity): void {
    this.nodes.delete(node.identity.uid);
    this.removeDependentFromOwners(node, node.owners);
    if (node.dependents.size > 0) this.sink.absent(identity);
    for (const dep of node.dependents) this.sink.attemptToDelete(dep);
    for (const ref of node.owners) {
      const owner = this.nodes.get(ref.uid);
      if (owner?.deletingDependents) this.sink.attemptToDelete(owner);
    }
  }

  private addDependentToOwners(node: GraphNode, owners: readonly OwnerReference[]): void {
    let suspicious = false;
    for (const ref of owners) {
      let owner = this.nodes.get(ref.uid);
      if (!owner) {
        owner = new GraphNode({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace: node.identity.namespace });
        this.nodes.set(ref.uid, owner);
        owner.dependents.add(node);
        // Verify against the apiserver; a virtual delete removes it if it does not exist.
        this.sink.attemptToDelete(owner);
        continue;
      }
      owner.dependents.add(node);
      if (suspicious) continue;
      const ownerNamespaced = owner.identity.namespace !== '';
      if (ownerNamespaced && owner.identity.namespace !== node.identity.namespace) {
        if (owner.observed) this.sink.invalidNamespace(node, ref);
        suspicious = true;
      } else if (!refMatchesCoordinates(ref, owner.identity)) {
        suspicious = true;
      } else if (!ownerNamespaced && owner.identity.namespace !== node.identity.namespace && !owner.observed) {
        suspicious = true;
      }
    }
    if (suspicious) this.sink.attemptToDelete(node);
  }

  private removeDependentFromOwners(node: GraphNode, owners: readonly OwnerReference[]): void {
    for (const ref of owners) this.nodes.get(ref.uid)?.dependents.delete(node);
  }

  private addUnblockedOwnersToDeleteQueue(removed: readonly OwnerReference[], changed: readonly { oldRef: OwnerReference; newRef: OwnerReference }[]): void {
    for (const r of removed) {
      if (r.blockOwnerDeletion !== true) continue;
      const n = this.nodes.get(r.uid);
      if (n) this.sink.attemptToDelete(n);
    }
    for (const c of changed) {
      if (c.oldRef.blockOwnerDeletion === true && c.newRef.blockOwnerDeletion !== true) {
        const n = this.nodes.get(c.newRef.uid);
        if (n) this.sink.attemptToDelete(n);
      }
    }
  }

  private processTransitions(prev: ObservedMeta | undefined, meta: ObservedMeta, node: GraphNode): void {
    if (deletionStartsWithFinalizer(prev, meta, FINALIZER_ORPHAN)) {
      this.sink.attemptToOrphan(node);
      return;
    }
    if (deletionStartsWithFinalizer(prev, meta, FINALIZER_DELETE_DEPENDENTS)) {
      node.deletingDependents = true;
      for (const d of node.dependents) this.sink.attemptToDelete(d);
      this.sink.attemptToDelete(node);
    }
  }
}
