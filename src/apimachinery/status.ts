// Kubernetes `Status` errors: the one shape every apiserver failure takes on the wire (metav1.Status).
import {
  CompactedError,
  ConflictError as StorageConflictError,
  FutureRevisionError,
  KeyExistsError,
  NotFoundError as StorageNotFoundError,
  RequestTooLargeError,
  StorageError,
} from '../storage/index.js';

/** metav1.StatusReason values kubets uses (upstream names). */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'ServerTimeout'
  | 'Timeout'
  | 'TooManyRequests'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'Expired'
  | 'ServiceUnavailable';

/** metav1.StatusCause. `reason` for field errors is one of the FieldValue* causes. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** metav1.StatusDetails. `kind` is the resource (plural) for most errors, the Kind for Invalid, as upstream. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** metav1.Status as serialised. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** A group and resource (plural), printed as upstream's GroupResource: `pods`, `deployments.apps`. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** A group and Kind, printed as upstream's GroupKind: `Pod`, `Deployment.apps`. */
export interface GroupKind {
  group: string;
  kind: string;
}

const grString = (gr: GroupResource) => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);
const gkString = (gk: GroupKind) => (gk.group ? `${gk.kind}.${gk.group}` : gk.kind);

/** An error that is a Kubernetes Status. Throw it anywhere in the apiserver; the handler writes `status`. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
    this.name = 'StatusError';
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason {
    return this.status.reason;
  }
}

function make(code: number, reason: StatusReason, message: string, details?: StatusDetails): StatusError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details && Object.keys(details).length > 0) status.details = details;
  return new StatusError(status);
}

function grDetails(gr: GroupResource, name?: string): StatusDetails {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (gr.group) d.group = gr.group;
  d.kind = gr.resource;
  return d;
}

// ---- constructors, one per upstream New* function ---------------------------------------------------

export const notFound = (gr: GroupResource, name: string) => make(404, 'NotFound', `${grString(gr)} "${name}" not found`, grDetails(gr, name));

export const alreadyExists = (gr: GroupResource, name: string) =>
  make(409, 'AlreadyExists', `${grString(gr)} "${name}" already exists`, grDetails(gr, name));

/** A failed optimistic-concurrency write; `detail` defaults to upstream's advice. */
export const conflict = (gr: GroupResource, name: string, detail = 'the object has been modified; please apply your changes to the latest version and try again') =>
  make(409, 'Conflict', `Operation cannot be fulfilled on ${grString(gr)} "${name}": ${detail}`, grDetails(gr, name));

export const badRequest = (message: string) => make(400, 'BadRequest', message);

export const unauthorized = (message = 'Unauthorized') => make(401, 'Unauthorized', message);

export const forbidden = (gr: GroupResource, name: string, why: string) =>
  make(403, 'Forbidden', name ? `${grString(gr)} "${name}" is forbidden: ${why}` : `${grString(gr)} is forbidden: ${why}`, grDetails(gr, name));

export const methodNotSupported = (gr: GroupResource, verb: string) =>
  make(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${grString(gr)}"`, grDetails(gr));

export const notAcceptable = (message: string) => make(406, 'NotAcceptable', message);

export const unsupportedMediaType = (contentType: string) =>
  make(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json; got ${contentType}`);

export const requestEntityTooLarge = (message: string) => make(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);

/** 410 for a resourceVersion older than the compacted history (what a watch or list at a compacted RV gets). */
export const resourceExpired = (message: string) => make(410, 'Expired', message);

export const gone = (message: string) => make(410, 'Gone', message);

export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  make(429, 'TooManyRequests', message, { retryAfterSeconds });

export const internalError = (err: unknown) => {
  const msg = err instanceof Error ? err.message : String(err);
  return make(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
};

export const serverTimeout = (gr: GroupResource, operation: string, retryAfterSeconds: number) =>
  make(500, 'ServerTimeout', `The ${operation} operation against ${grString(gr)} could not be completed at this time, please try again.`, {
    ...grDetails(gr),
    retryAfterSeconds,
  });

export const timeout = (message: string, retryAfterSeconds: number) => make(504, 'Timeout', `Timeout: ${message}`, { retryAfterSeconds });

export const serviceUnavailable = (message: string) => make(503, 'ServiceUnavailable', message);

// ---- field errors (k8s.io/apimachinery/pkg/util/validation/field) --------------------------------------

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound';

/** One validation failure on one field path, e.g. `spec.containers[0].image`. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  value?: unknown;
  detail?: string;
}

/** Formats a bad value as upstream's field errors do: strings quoted, numbers and booleans bare. */
function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return 'null';
  return goLiteral(v);
}

/** Go's `%#v` for the composite values field errors carry: `map[string]string{"a":"b"}`, `[]string{"x", "y"}`. */
function goLiteral(v: unknown): string {
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
    if (v.every((x) => typeof x === 'number' && Number.isInteger(x))) return `[]int32{${v.join(', ')}}`;
    return JSON.stringify(v);
  }
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.every(([, x]) => typeof x === 'string')) {
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `map[string]string{${entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}`;
    }
  }
  return JSON.stringify(v);
}

/** The text of one field error, as upstream's `field.Error.Error()`: `<field>: <body>`. */
export function fieldErrorMessage(e: FieldError): string {
  const withDetail = (s: string) => (e.detail ? `${s}: ${e.detail}` : s);
  let body: string;
  switch (e.type) {
    case 'FieldValueRequired':
      body = withDetail('Required value');
      break;
    case 'FieldValueForbidden':
      body = withDetail('Forbidden');
      break;
    case 'FieldValueInvalid':
      body = withDetail(`Invalid value: ${formatValue(e.value)}`);
      break;
    case 'FieldValueNotSupported':
      body = withDetail(`Unsupported value: ${formatValue(e.value)}`);
      break;
    case 'FieldValueDuplicate':
      body = withDetail(`Duplicate value: ${formatValue(e.value)}`);
      break;
    case 'FieldValueTooLong':
      body = withDetail('Too long');
      break;
    case 'FieldValueTooMany':
      body = withDetail('Too many');
      break;
    case 'FieldValueNotFound':
      body = withDetail(`Not found: ${formatValue(e.value)}`);
      break;
  }
  return `${e.field}: ${body}`;
}

export const field = {
  required: (path: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field: path, detail }),
  invalid: (path: string, value: unknown, detail = ''): FieldError => ({ type: 'FieldValueInvalid', field: path, value, detail }),
  notSupported: (path: string, value: unknown, valid: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: path,
    value,
    detail: valid.length ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}` : '',
  }),
  duplicate: (path: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field: path, value }),
  forbidden: (path: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field: path, detail }),
  tooLong: (path: string, max: number): FieldError => ({ type: 'FieldValueTooLong', field: path, detail: `may not be more than ${max} bytes` }),
  notFound: (path: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field: path, value }),
};

/** 422 Invalid from field errors, as upstream's NewInvalid: one message, one cause per field error. */
export function invalid(gk: GroupKind, name: string, errs: readonly FieldError[]): StatusError {
  const messages = errs.map(fieldErrorMessage);
  const agg = messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
  const details: StatusDetails = { name };
  if (gk.group) details.group = gk.group;
  details.kind = gk.kind;
  details.causes = errs.map((e, i) => ({ reason: e.type, message: messages[i]!.slice(e.field.length + 2), field: e.field }));
  return make(422, 'Invalid', `${gkString(gk)} "${name}" is invalid: ${agg}`, details);
}

// ---- from other errors --------------------------------------------------------------------------------

/**
 * Turns any error into a StatusError: StatusErrors pass through, storage errors map to their upstream
 * equivalents for the object `name` of resource `gr`, anything else is a 500 InternalError.
 */
export function toStatusError(err: unknown, gr?: GroupResource, name = ''): StatusError {
  if (err instanceof StatusError) return err;
  const res = gr ?? { group: '', resource: '' };
  if (err instanceof KeyExistsError) return alreadyExists(res, name);
  if (err instanceof StorageNotFoundError) return notFound(res, name);
  if (err instanceof StorageConflictError) return conflict(res, name);
  if (err instanceof CompactedError) {
    return resourceExpired(`too old resource version: ${err.requestedRevision} (${err.compactRevision})`);
  }
  if (err instanceof FutureRevisionError) {
    return timeout(`Too large resource version: ${err.requestedRevision}, current: ${err.currentRevision}`, 1);
  }
  if (err instanceof RequestTooLargeError) return requestEntityTooLarge(err.message);
  if (err instanceof StorageError && err.code === 'Unavailable') return serviceUnavailable(err.message);
  return internalError(err);
}
