// A lean gRPC client for etcd's KV Range and Txn calls over node:http2 (the apiserver's hot path), with protobufjs messages.
import http2 from 'node:http2';
import protobuf from 'protobufjs';

/**
 * The subset of etcd's `rpc.proto` and `kv.proto` (etcd v3 API, stable since 3.0) these calls need. Field
 * numbers are the wire contract; names keep etcd's snake_case.
 */
const PROTO = `
syntax = "proto3";
package etcdserverpb;
message KeyValue { bytes key = 1; int64 create_revision = 2; int64 mod_revision = 3; int64 version = 4; bytes value = 5; int64 lease = 6; }
message ResponseHeader { uint64 cluster_id = 1; uint64 member_id = 2; int64 revision = 3; uint64 raft_term = 4; }
message RangeRequest {
  bytes key = 1; bytes range_end = 2; int64 limit = 3; int64 revision = 4; int32 sort_order = 5; int32 sort_target = 6;
  bool serializable = 7; bool keys_only = 8; bool count_only = 9;
}
message RangeResponse { ResponseHeader header = 1; repeated KeyValue kvs = 2; bool more = 3; int64 count = 4; }
message PutRequest { bytes key = 1; bytes value = 2; int64 lease = 3; bool prev_kv = 4; }
message PutResponse { ResponseHeader header = 1; KeyValue prev_kv = 2; }
message DeleteRangeRequest { bytes key = 1; bytes range_end = 2; bool prev_kv = 3; }
message DeleteRangeResponse { ResponseHeader header = 1; int64 deleted = 2; repeated KeyValue prev_kvs = 3; }
message RequestOp { oneof request { RangeRequest request_range = 1; PutRequest request_put = 2; DeleteRangeRequest request_delete_range = 3; } }
message ResponseOp { oneof response { RangeResponse response_range = 1; PutResponse response_put = 2; DeleteRangeResponse response_delete_range = 3; } }
message Compare {
  int32 result = 1; int32 target = 2; bytes key = 3;
  oneof target_union { int64 version = 4; int64 create_revision = 5; int64 mod_revision = 6; bytes value = 7; int64 lease = 8; }
  bytes range_end = 64;
}
message TxnRequest { repeated Compare compare = 1; repeated RequestOp success = 2; repeated RequestOp failure = 3; }
message TxnResponse { ResponseHeader header = 1; bool succeeded = 2; repeated ResponseOp responses = 3; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const T = {
  RangeRequest: root.lookupType('etcdserverpb.RangeRequest'),
  RangeResponse: root.lookupType('etcdserverpb.RangeResponse'),
  TxnRequest: root.lookupType('etcdserverpb.TxnRequest'),
  TxnResponse: root.lookupType('etcdserverpb.TxnResponse'),
};

/** Compare.CompareTarget and Compare.CompareResult values on the wire. */
export const Target = { Version: 0, Create: 1, Mod: 2, Value: 3, Lease: 4 } as const;
export const Result = { Equal: 0, Greater: 1, Less: 2, NotEqual: 3 } as const;

/** An int64 as protobufjs decodes it: a number, or a Long when the value needs more than 32 bits. */
type Int64 = number | { toNumber(): number };

/**
 * Converts an int64 to a number: as protobufjs decodes it (number or Long), or as etcd3 hands it over (decimal
 * string, in watch events). Revisions and lease ids stay below 2^53 in practice.
 */
export function num(v: Int64 | string | null | undefined): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  return typeof v === 'string' ? Number(v) : v.toNumber();
}

export interface KV {
  key: Uint8Array;
  create_revision: Int64;
  mod_revision: Int64;
  version: Int64;
  value: Uint8Array;
  lease: Int64;
}
export interface RangeReq {
  key: Uint8Array;
  range_end?: Uint8Array;
  limit?: number;
  revision?: number;
  keys_only?: boolean;
  count_only?: boolean;
}
export interface RangeRes {
  header?: { revision: Int64 } | null;
  kvs: KV[];
  more: boolean;
  count: Int64;
}
export interface CompareReq {
  key: Uint8Array;
  target: number;
  result: number;
  create_revision?: number;
  mod_revision?: number;
}
export interface RequestOp {
  request_range?: RangeReq;
  request_put?: { key: Uint8Array; value: Uint8Array; lease?: number };
  request_delete_range?: { key: Uint8Array; range_end?: Uint8Array; prev_kv?: boolean };
}
export interface TxnRes {
  header?: { revision: Int64 } | null;
  succeeded: boolean;
  responses: { response_range?: RangeRes | null; response_delete_range?: { prev_kvs: KV[] } | null }[];
}

/** gRPC status codes this client tells apart (google.golang.org/grpc/codes). */
export const GrpcCode = { OK: 0, CANCELLED: 1, UNKNOWN: 2, DEADLINE_EXCEEDED: 4, UNAVAILABLE: 14 } as const;
const CODE_NAMES: Record<number, string> = {
  0: 'OK', 1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND', 6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED', 8: 'RESOURCE_EXHAUSTED', 9: 'FAILED_PRECONDITION', 10: 'ABORTED', 11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE', 15: 'DATA_LOSS', 16: 'UNAUTHENTICATED',
};

/** A failed call: the gRPC code and etcd's message (e.g. `etcdserver: mvcc: required revision has been compacted`). */
export class GrpcError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    /** Whether the request certainly never reached a server (safe to send elsewhere). */
    readonly notSent = false,
  ) {
    super(`${code} ${CODE_NAMES[code] ?? 'UNKNOWN'}: ${details}`);
    this.name = 'GrpcError';
  }
}

export interface KVClientOptions {
  /** Client URLs (`http://host:port`); calls stick to one and move on when it cannot be reached. */
  endpoints: readonly string[];
  /** Deadline of one attempt (ms). */
  requestTimeoutMs: number;
}

/** How many endpoints a call tries before it gives up (etcd3's default policy also makes 3 attempts). */
const MAX_ATTEMPTS = 3;
/** Per-stream and per-connection receive windows: big Range answers flow without waiting for window updates. */
const STREAM_WINDOW = 16 << 20;
const SESSION_WINDOW = 256 << 20;
const PING_TIMEOUT_MS = 2_000;

/**
 * Unary KV calls to etcd over one HTTP/2 connection per endpoint, created on first use and replaced when it
 * closes. Calls run concurrently (one stream each). A call that fails because its endpoint cannot be
 * reached — connection refused or lost before an answer, or etcd's own UNAVAILABLE — is retried on the
 * next endpoint (at most 3 attempts in all) and later calls go there; any other failure is returned as a
 * `GrpcError` carrying etcd's code and message. A deadline that passes cancels the stream and probes the
 * connection with a ping, dropping it when the ping goes unanswered. Safe for concurrent use; `close`
 * fails calls in flight with CANCELLED.
 */
export class KVClient {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private current = 0;
  private closed = false;

  constructor(private readonly opts: KVClientOptions) {
    if (opts.endpoints.length === 0) throw new Error('etcd KV client: no endpoints');
  }

  /** etcdserverpb.KV/Range. */
  async range(req: RangeReq): Promise<RangeRes> {
    const bytes = T.RangeRequest.encode(req as unknown as protobuf.Message).finish();
    const out = await this.unary('/etcdserverpb.KV/Range', bytes, this.opts.requestTimeoutMs);
    return T.RangeResponse.decode(out) as unknown as RangeRes;
  }

  /** etcdserverpb.KV/Txn. */
  async txn(compare: CompareReq[], success: RequestOp[], failure: RequestOp[]): Promise<TxnRes> {
    const bytes = T.TxnRequest.encode({ compare, success, failure } as unknown as protobuf.Message).finish();
    const out = await this.unary('/etcdserverpb.KV/Txn', bytes, this.opts.requestTimeoutMs);
    return T.TxnResponse.decode(out) as unknown as TxnRes;
  }

  /** Closes every connection; calls in flight fail with CANCELLED. */
  close(): void {
    this.closed = true;
    for (const s of this.sessions.values()) s.destroy();
    this.sessions.clear();
  }

  private async unary(path: string, message: Uint8Array, timeoutMs: number): Promise<Buffer> {
    let last: GrpcError | undefined;
    const n = this.opts.endpoints.length;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const idx = this.current % n;
      try {
        return await this.once(this.opts.endpoints[idx]!, path, message, timeoutMs);
      } catch (e) {
        if (!(e instanceof GrpcError)) throw e;
        last = e;
        if (this.closed || !(e.notSent || e.code === GrpcCode.UNAVAILABLE)) throw e;
        if (this.current % n === idx) this.current = (idx + 1) % n;
      }
    }
    throw last!;
  }

  private session(endpoint: string): http2.ClientHttp2Session {
    const have = this.sessions.get(endpoint);
    if (have && !have.closed && !have.destroyed) return have;
    const s = http2.connect(endpoint, { settings: { initialWindowSize: STREAM_WINDOW, enablePush: false } });
    s.on('connect', () => {
      try {
        s.setLocalWindowSize(SESSION_WINDOW);
      } catch {
        // a session that already died: the next call makes a new one
      }
    });
    s.on('error', () => undefined); // the streams report it
    s.on('goaway', () => s.close());
    const drop = () => {
      if (this.sessions.get(endpoint) === s) this.sessions.delete(endpoint);
    };
    s.on('close', drop);
    this.sessions.set(endpoint, s);
    return s;
  }

  private once(endpoint: string, path: string, message: Uint8Array, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new GrpcError(GrpcCode.CANCELLED, 'client closed'));
    const session = this.session(endpoint);
    return new Promise<Buffer>((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request({
          ':method': 'POST',
          ':path': path,
          'content-type': 'application/grpc',
          te: 'trailers',
          'grpc-timeout': `${Math.max(1, Math.ceil(timeoutMs))}m`,
        });
      } catch (e) {
        session.destroy();
        reject(new GrpcError(GrpcCode.UNAVAILABLE, `${endpoint}: ${(e as Error).message}`, true));
        return;
      }
      let settled = false;
      let responded = false;
      let status: number | undefined;
      let statusMessage = '';
      const chunks: Buffer[] = [];
      const finish = (err: GrpcError | undefined, body?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(body!);
      };
      const timer = setTimeout(() => {
        finish(new GrpcError(GrpcCode.DEADLINE_EXCEEDED, `${endpoint}: deadline of ${timeoutMs} ms exceeded`));
        stream.close(http2.constants.NGHTTP2_CANCEL);
        // A connection that stopped answering altogether is replaced.
        if (!session.destroyed && !session.closed) {
          const ok = session.ping((err) => {
            clearTimeout(probe);
            if (err) session.destroy();
          });
          const probe = setTimeout(() => session.destroy(), PING_TIMEOUT_MS);
          if (!ok) {
            clearTimeout(probe);
            session.destroy();
          }
        }
      }, timeoutMs);
      const readStatus = (h: http2.IncomingHttpHeaders) => {
        const s = h['grpc-status'];
        if (s !== undefined) {
          status = Number(s);
          const m = h['grpc-message'];
          if (typeof m === 'string') statusMessage = decodeGrpcMessage(m);
        }
      };
      stream.on('response', (h) => {
        responded = true;
        const code = Number(h[':status']);
        if (code !== 200) {
          finish(new GrpcError(httpToGrpc(code), `${endpoint}: HTTP status ${code}`));
          return;
        }
        readStatus(h); // trailers-only answers carry the status in the headers
      });
      stream.on('trailers', readStatus);
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        if (status === undefined) {
          finish(new GrpcError(GrpcCode.UNAVAILABLE, `${endpoint}: stream ended without a gRPC status`, !responded));
          return;
        }
        if (status !== GrpcCode.OK) {
          finish(new GrpcError(status, statusMessage));
          return;
        }
        const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (buf.length < 5) {
          finish(new GrpcError(GrpcCode.UNKNOWN, `${endpoint}: answer without a message`));
          return;
        }
        if (buf[0] !== 0) {
          finish(new GrpcError(GrpcCode.UNKNOWN, `${endpoint}: compressed answer not asked for`));
          return;
        }
        const len = buf.readUInt32BE(1);
        finish(undefined, buf.subarray(5, 5 + len));
      });
      stream.on('error', (e: Error) => {
        const closed = this.closed;
        finish(new GrpcError(closed ? GrpcCode.CANCELLED : GrpcCode.UNAVAILABLE, `${endpoint}: ${e.message}`, !responded && !closed && isConnectError(e)));
      });
      stream.on('close', () => {
        if (!settled) {
          const closed = this.closed;
          finish(new GrpcError(closed ? GrpcCode.CANCELLED : GrpcCode.UNAVAILABLE, `${endpoint}: stream closed (code ${stream.rstCode ?? 0})`, !responded && !closed && stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM));
        }
      });
      const frame = Buffer.allocUnsafe(5 + message.byteLength);
      frame[0] = 0;
      frame.writeUInt32BE(message.byteLength, 1);
      frame.set(message, 5);
      stream.end(frame);
    });
  }
}

/** Errors that mean the connection was never made, so the request did not leave this process. */
function isConnectError(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION'].includes(code);
}

/** gRPC's mapping of an HTTP status without a gRPC status to a code (doc/http-grpc-status-mapping.md). */
function httpToGrpc(status: number): number {
  if (status === 400) return 13;
  if (status === 401) return 16;
  if (status === 403) return 7;
  if (status === 404) return 12;
  if (status === 429 || status === 502 || status === 503 || status === 504) return GrpcCode.UNAVAILABLE;
  return GrpcCode.UNKNOWN;
}

/** grpc-message is percent-encoded (the gRPC HTTP/2 protocol spec). */
function decodeGrpcMessage(m: string): string {
  if (!m.includes('%')) return m;
  try {
    return decodeURIComponent(m);
  } catch {
    return m;
  }
}
