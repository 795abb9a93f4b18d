// The schema view a strategic merge patch needs: per field, its patch strategy and merge key, and the schema below it.

/**
 * Patch metadata of one field, as upstream's struct tags `patchStrategy` / `patchMergeKey` and the OpenAPI
 * extensions `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` carry it.
 *
 * - `strategies`: the comma-separated strategy split into parts, e.g. `['merge']`, `['retainKeys']`,
 *   `['merge', 'retainKeys']`, or `[]` when the field has none (lists are then replaced atomically, maps
 *   and structs merged recursively).
 * - `mergeKey`: the key that identifies list elements for `merge` on a list of objects (e.g. `name` for
 *   containers, `containerPort` for ports); `undefined` for lists of primitives (merged as sets) or fields
 *   that are not lists.
 * - `kind`: what the field holds: `object` (a struct), `map` (string-keyed map, e.g. labels or
 *   `resources.limits`), `list`, or `primitive` (string, number, boolean, or an opaque value such as a
 *   Quantity, IntOrString or RawExtension).
 * - `elements`: for `object`, `undefined`; for `list`, the schema of each element when elements are
 *   objects; for `map`, the schema of each value when values are objects; `undefined` when elements/values
 *   are primitives.
 * - `schema`: for `object`, the schema of the nested struct.
 */
export interface PatchField {
  readonly kind: 'object' | 'map' | 'list' | 'primitive';
  readonly strategies: readonly string[];
  readonly mergeKey?: string;
  readonly schema?: PatchSchema;
  readonly elements?: PatchSchema;
  /** For lists: whether elements are primitives (true) or objects (false). */
  readonly primitiveElements?: boolean;
}

/**
 * The patch view of one struct type. `field(name)` returns `undefined` for a name the type does not have
 * (an unknown field): a strategic merge patch then treats the value like a JSON merge patch would
 * (maps merged, lists replaced).
 */
export interface PatchSchema {
  /** Upstream definition name, e.g. `io.k8s.api.core.v1.PodSpec`, for error messages. */
  readonly name: string;
  field(name: string): PatchField | undefined;
}
