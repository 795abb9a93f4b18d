// Audit events (audit.k8s.io/v1 Event): one context per request collects what the policy level allows and yields an event per stage.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AuthorizationAttributes, UserInfo } from '../authn.js';
import type { Req } from '../http.js';
import { levelLess, type Level, type RequestAuditConfig, type Stage } from './policy.js';

/** authentication.k8s.io/v1 UserInfo as events carry it. */
export interface AuditUserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** audit.k8s.io/v1 ObjectReference. */
export interface AuditObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

/** The metav1.Status fields an event keeps. */
export interface AuditResponseStatus {
  metadata: Record<string, never>;
  status?: string;
  message?: string;
  reason?: string;
  details?: unknown;
  code?: number;
}

/** audit.k8s.io/v1 Event, with upstream's field order and omitted empty fields. */
export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: Level;
  auditID: string;
  stage: Stage;
  requestURI: string;
  verb: string;
  user: AuditUserInfo;
  impersonatedUser?: AuditUserInfo;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: AuditObjectReference;
  responseStatus?: AuditResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/** Where events go (upstream audit.Sink). Must not block: a log backend queues and writes asynchronously. */
export interface AuditBackend {
  /** Takes the events; false when some could not be accepted (e.g. the buffer is full and they were dropped). */
  processEvents(...events: AuditEvent[]): boolean;
}

/** Request header carrying a client-chosen audit ID; the apiserver echoes the ID in the same response header. */
export const HEADER_AUDIT_ID = 'Audit-ID';
/** Annotations the authorization step adds to every event. */
export const DECISION_ANNOTATION_KEY = 'authorization.k8s.io/decision';
export const REASON_ANNOTATION_KEY = 'authorization.k8s.io/reason';
export const DECISION_ALLOW = 'allow';
export const DECISION_FORBID = 'forbid';

const MAX_USER_AGENT_LENGTH = 1024;
const USER_AGENT_TRUNCATE_SUFFIX = '...TRUNCATED';

/** Milliseconds since the epoch, with microsecond fraction. */
export function nowMicros(): number {
  return performance.timeOrigin + performance.now();
}

/** metav1.MicroTime as serialised: RFC 3339, UTC, six fractional digits (`2026-11-23T17:30:00.123456Z`). */
export function formatMicroTime(epochMs: number): string {
  const us = Math.round(epochMs * 1000);
  const secs = Math.floor(us / 1e6);
  const frac = us - secs * 1e6;
  return `${new Date(secs * 1000).toISOString().slice(0, 19)}.${String(frac).padStart(6, '0')}Z`;
}

function canonicalIP(s: string): string | undefined {
  const t = s.trim();
  const v = isIP(t);
  if (v === 4) return t;
  if (v === 6) {
    const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(t);
    return m ? m[1] : t.toLowerCase();
  }
  return undefined;
}

/**
 * Upstream utilnet.SourceIPs: every valid IP of X-Forwarded-For, then X-Real-Ip unless already listed, then the
 * connection's remote address unless it is the last one listed.
 */
export function sourceIPs(headers: Readonly<Record<string, string | string[] | undefined>>, remoteAddress: string | undefined): string[] {
  const ips: string[] = [];
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(',') : (v ?? '');
  };
  for (const part of header('x-forwarded-for').split(',')) {
    const ip = canonicalIP(part);
    if (ip) ips.push(ip);
  }
  const real = canonicalIP(header('x-real-ip'));
  if (real && !ips.includes(real)) ips.push(real);
  const remote = remoteAddress ? canonicalIP(remoteAddress) : undefined;
  if (remote && (ips.length === 0 || ips[ips.length - 1] !== remote)) ips.push(remote);
  return ips;
}

function toAuditUser(u: UserInfo): AuditUserInfo {
  const out: AuditUserInfo = {};
  if (u.name) out.username = u.name;
  if (u.uid) out.uid = u.uid;
  if (u.groups.length > 0) out.groups = [...u.groups];
  const extra = Object.entries(u.extra ?? {});
  if (extra.length > 0) out.extra = Object.fromEntries(extra.map(([k, v]) => [k, [...v]]));
  return out;
}

/** Drops metadata.managedFields from an object, the items of a list, or the row objects of a Table (in place). */
function stripManagedFields(obj: unknown): void {
  if (typeof obj !== 'object' || obj === null) return;
  const o = obj as Record<string, any>;
  if (o.metadata && typeof o.metadata === 'object') delete o.metadata.managedFields;
  if (Array.isArray(o.items)) for (const item of o.items) if (item?.metadata) delete item.metadata.managedFields;
  if (o.kind === 'Table' && Array.isArray(o.rows)) for (const row of o.rows) if (row?.object?.metadata) delete row.object.metadata.managedFields;
}

function isStatus(obj: unknown): obj is Record<string, any> {
  return typeof obj === 'object' && obj !== null && (obj as any).kind === 'Status' && typeof (obj as any).code === 'number';
}

/** What an audit context records about a request; `newRequestAudit` fills it from the HTTP request. */
export interface AuditRequestInit {
  /** Path and query as received (`/api/v1/namespaces/default/pods?limit=500`). */
  requestURI: string;
  verb: string;
  user?: UserInfo;
  sourceIPs?: readonly string[];
  userAgent?: string;
  /** The request's resource attributes; a resource request gets an objectRef from them. */
  attributes?: Pick<AuthorizationAttributes, 'isResourceRequest' | 'apiGroup' | 'apiVersion' | 'namespace' | 'resource' | 'subresource' | 'name'>;
  /** Defaults to a random UUID. */
  auditID?: string;
  /** When the request arrived, ms since the epoch (fractional for microseconds); defaults to now. */
  receivedAt?: number;
}

/**
 * The audit state of one request (upstream AuditContext): the policy's decision and the event being built. Every
 * `log*` method is a no-op below the level it needs (objects are copied when logged, so later changes do not show).
 * At the end of each stage, `stageEvent`/`emit` produce the event to send.
 */
export class RequestAudit {
  private readonly ev: Omit<AuditEvent, 'stage' | 'stageTimestamp'>;
  private readonly receivedAt: number;

  constructor(
    readonly config: RequestAuditConfig,
    init: AuditRequestInit,
  ) {
    this.receivedAt = init.receivedAt ?? nowMicros();
    let ua = init.userAgent ?? '';
    if (ua.length > MAX_USER_AGENT_LENGTH) ua = ua.slice(0, MAX_USER_AGENT_LENGTH) + USER_AGENT_TRUNCATE_SUFFIX;
    this.ev = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: config.level,
      auditID: init.auditID || randomUUID(),
      requestURI: init.requestURI,
      verb: init.verb,
      user: init.user ? toAuditUser(init.user) : {},
      requestReceivedTimestamp: formatMicroTime(this.receivedAt),
    };
    if (init.sourceIPs && init.sourceIPs.length > 0) this.ev.sourceIPs = [...init.sourceIPs];
    if (ua) this.ev.userAgent = ua;
    const a = init.attributes;
    if (a?.isResourceRequest) {
      this.ev.objectRef = {
        resource: a.resource,
        namespace: a.namespace,
        name: a.name,
        apiGroup: a.apiGroup,
        apiVersion: a.apiVersion,
        subresource: a.subresource,
      };
    }
  }

  get level(): Level {
    return this.config.level;
  }
  /** False for level None: nothing is recorded and no event is produced. */
  get enabled(): boolean {
    return this.config.level !== 'None';
  }
  /** The ID to return in the `Audit-ID` response header. */
  get auditID(): string {
    return this.ev.auditID;
  }

  private atLeast(level: Level): boolean {
    return !levelLess(this.config.level, level);
  }

  /** Records the user a request impersonates (Metadata and up); `user` in the event stays the authenticated one. */
  logImpersonatedUser(user: UserInfo): void {
    if (!this.atLeast('Metadata')) return;
    this.ev.impersonatedUser = toAuditUser(user);
  }

  /**
   * Records the decoded request body (upstream LogRequestObject): completes objectRef from the object's metadata
   * (namespace, name, uid, resourceVersion) and `gvr` (Metadata and up); keeps a copy as requestObject (Request and up).
   */
  logRequestObject(obj: unknown, gvr?: { group: string; version: string; resource: string; subresource?: string }): void {
    if (!this.atLeast('Metadata')) return;
    const ref = (this.ev.objectRef ??= {});
    const meta = (typeof obj === 'object' && obj !== null ? (obj as any).metadata : undefined) as Record<string, unknown> | undefined;
    if (meta && typeof meta === 'object') {
      if (!ref.namespace && typeof meta.namespace === 'string') ref.namespace = meta.namespace;
      if (!ref.name && typeof meta.name === 'string') ref.name = meta.name;
      if (!ref.uid && typeof meta.uid === 'string') ref.uid = meta.uid;
      if (!ref.resourceVersion && typeof meta.resourceVersion === 'string') ref.resourceVersion = meta.resourceVersion;
    }
    if (gvr) {
      if (!ref.apiVersion) {
        ref.apiGroup = gvr.group;
        ref.apiVersion = gvr.version;
      }
      if (!ref.resource) ref.resource = gvr.resource;
      if (!ref.subresource && gvr.subresource) ref.subresource = gvr.subresource;
    }
    if (!this.atLeast('Request')) return;
    const copy = structuredClone(obj);
    if (this.config.omitManagedFields) stripManagedFields(copy);
    this.ev.requestObject = copy;
  }

  /** Records a patch body as the requestObject (Request and up), as upstream LogRequestPatch. */
  logRequestPatch(patch: unknown): void {
    if (!this.atLeast('Request')) return;
    this.ev.requestObject = structuredClone(patch);
  }

  /**
   * Records the response (upstream LogResponseObject): a Status keeps status, message, reason, details and code as
   * responseStatus (Metadata and up); the body itself is kept as responseObject at RequestResponse.
   */
  logResponseObject(obj: unknown): void {
    if (!this.atLeast('Metadata')) return;
    if (isStatus(obj)) {
      const s: AuditResponseStatus = { metadata: {} };
      if (obj.status) s.status = obj.status;
      if (obj.message) s.message = obj.message;
      if (obj.reason) s.reason = obj.reason;
      if (obj.details) s.details = structuredClone(obj.details);
      s.code = obj.code;
      this.ev.responseStatus = s;
    }
    if (!this.atLeast('RequestResponse')) return;
    const copy = structuredClone(obj);
    if (this.config.omitManagedFields) stripManagedFields(copy);
    this.ev.responseObject = copy;
  }

  /** Records the HTTP status code when the response header is written (as upstream's audit response writer). */
  setResponseCode(code: number): void {
    this.ev.responseStatus ??= { metadata: {} };
    this.ev.responseStatus.code = code;
  }

  /** Adds an annotation (Metadata and up); an existing key keeps its first value, as upstream. */
  annotate(key: string, value: string): void {
    if (!this.atLeast('Metadata')) return;
    const ann = (this.ev.annotations ??= {});
    if (key in ann) return;
    ann[key] = value;
  }

  /** Records a handler panic/crash: the Panic stage event carries a 500 InternalError status with the message. */
  logPanic(err: unknown): void {
    this.ev.responseStatus = {
      metadata: {},
      status: 'Failure',
      message: `APIServer panic'd: ${err instanceof Error ? err.message : String(err)}`,
      reason: 'InternalError',
      code: 500,
    };
  }

  /**
   * The event for `stage` as of now, or undefined when the level is None or the policy omits the stage. The
   * RequestReceived stage is stamped with the receive time; a ResponseComplete/ResponseStarted without a recorded
   * status gets upstream's "Connection closed early" 200. The returned object is a snapshot.
   */
  stageEvent(stage: Stage, now: number = nowMicros()): AuditEvent | undefined {
    if (!this.enabled || this.config.omitStages.includes(stage)) return undefined;
    const ev = this.ev;
    let status = ev.responseStatus;
    if ((stage === 'ResponseComplete' || stage === 'ResponseStarted') && !status) {
      status = { metadata: {}, status: 'Success', message: 'Connection closed early', code: 200 };
    }
    const out: AuditEvent = {
      kind: ev.kind,
      apiVersion: ev.apiVersion,
      level: ev.level,
      auditID: ev.auditID,
      stage,
      requestURI: ev.requestURI,
      verb: ev.verb,
      user: ev.user,
    } as AuditEvent;
    if (ev.impersonatedUser) out.impersonatedUser = ev.impersonatedUser;
    if (ev.sourceIPs) out.sourceIPs = ev.sourceIPs;
    if (ev.userAgent) out.userAgent = ev.userAgent;
    if (ev.objectRef) {
      const ref: AuditObjectReference = {};
      for (const k of ['resource', 'namespace', 'name', 'uid', 'apiGroup', 'apiVersion', 'resourceVersion', 'subresource'] as const) {
        if (ev.objectRef[k]) ref[k] = ev.objectRef[k];
      }
      out.objectRef = ref;
    }
    if (status && stage !== 'RequestReceived') out.responseStatus = { ...status };
    if (ev.requestObject !== undefined && stage !== 'RequestReceived') out.requestObject = ev.requestObject;
    if (ev.responseObject !== undefined && stage !== 'RequestReceived') out.responseObject = ev.responseObject;
    out.requestReceivedTimestamp = ev.requestReceivedTimestamp;
    out.stageTimestamp = stage === 'RequestReceived' ? ev.requestReceivedTimestamp : formatMicroTime(now);
    if (ev.annotations && Object.keys(ev.annotations).length > 0) out.annotations = { ...ev.annotations };
    return out;
  }

  /** Sends the event of `stage` (if any) to `backend`; returns whether an event was sent. */
  emit(stage: Stage, backend: AuditBackend, now?: number): boolean {
    const ev = this.stageEvent(stage, now);
    if (!ev) return false;
    backend.processEvents(ev);
    return true;
  }
}

/**
 * Starts auditing one HTTP request: the URI, user agent (truncated past 1024 characters), source IPs and
 * `Audit-ID` header (a new UUID when absent) come from `req`; `attrs` (the authorizer's attributes) give the verb,
 * user and objectRef. `config` is the policy's decision for `attrs`.
 */
export function newRequestAudit(req: Req, attrs: AuthorizationAttributes, config: RequestAuditConfig, receivedAt?: number): RequestAudit {
  const headers = req.headers as Record<string, string | string[] | undefined>;
  const id = headers['audit-id'];
  const ua = headers['user-agent'];
  return new RequestAudit(config, {
    requestURI: req.url ?? attrs.path,
    verb: attrs.verb,
    user: attrs.user,
    sourceIPs: sourceIPs(headers, req.socket?.remoteAddress),
    userAgent: Array.isArray(ua) ? ua[0] : ua,
    attributes: attrs,
    auditID: Array.isArray(id) ? id[0] : id,
    receivedAt,
  });
}
