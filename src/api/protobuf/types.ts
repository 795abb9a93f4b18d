// Shapes of the generated protobuf field table (schema.gen.ts) shared by the generator output and the codec.

/**
 * One field of a message: JSON name, field number, type and FieldFlag bits. The type is a scalar protobuf type name
 * (`string`, `int32`, `int64`, `bool`, `bytes`, `double`, ...), a fully qualified message name without the leading
 * dot (`k8s.io.api.core.v1.PodSpec`), or `map<K,V>` with K and V written the same way.
 */
export type FieldSpec = readonly [name: string, number: number, type: string, flags: number];

/** Message name -> its fields in declaration order. */
export type MessageTable = Readonly<Record<string, readonly FieldSpec[]>>;

/** Bits of FieldSpec[3]. */
export const FieldFlag = {
  /** `repeated` (maps are not flagged: their type says `map<...>`). */
  Repeated: 1,
  /** A Go pointer (gogoproto nullable): present on the wire only when set, so a zero value is kept in JSON. */
  Pointer: 2,
  /** A Go embedded struct serialized `json:",inline"`: its fields are flattened into the parent JSON object. */
  Inline: 4,
  /** A scalar Go field without `omitempty` (required in the OpenAPI schema): its zero value stays in JSON. */
  NoOmitEmpty: 8,
} as const;
