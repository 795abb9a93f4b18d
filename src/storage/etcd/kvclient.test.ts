// The lean etcd KV client against a scripted HTTP/2 gRPC server: framing, status mapping, failover and deadlines.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { GrpcCode, GrpcError, KVClient, num } from './kvclient.js';

const RangeResponse = protobuf.parse(
  'syntax = "proto3"; message H { int64 revision = 3; } message KV { bytes key = 1; int64 create_revision = 2; int64 mod_revision = 3; bytes value = 5; } message R { H header = 1; repeated KV kvs = 2; bool more = 3; int64 count = 4; }',
  { keepCase: true },
).root.lookupType('R');

type Script = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, body: Buffer) => void;

function frame(msg: Uint8Array): Buffer {
  const b = Buffer.alloc(5 + msg.byteLength);
  b.writeUInt32BE(msg.byteLength, 1);
  b.set(msg, 5);
  return b;
}

describe('etcd KVClient', () => {
  let server: http2.Http2Server;
  let endpoint: string;
  let script: Script = () => undefined;
  const seen: string[] = [];

  beforeAll(async () => {
    server = http2.createServer();
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        seen.push(String(headers[':path']));
        script(stream, headers, Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  const ok = (msg: Uint8Array): Script => (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(frame(msg));
  };

  it('sends a framed request with a deadline and decodes the framed answer (int64 as numbers)', async () => {
    let body: Buffer = Buffer.alloc(0);
    let timeout = '';
    const answer = RangeResponse.encode({ header: { revision: 2 ** 40 + 7 }, kvs: [{ key: Buffer.from('/r/a'), create_revision: 5, mod_revision: 9, value: Buffer.from('v') }], count: 1 } as unknown as protobuf.Message).finish();
    script = (stream, headers, b) => {
      body = b;
      timeout = String(headers['grpc-timeout']);
      ok(answer)(stream, headers, b);
    };
    const c = new KVClient({ endpoints: [endpoint], requestTimeoutMs: 1_500 });
    try {
      const res = await c.range({ key: Buffer.from('/r/a') });
      expect(seen.at(-1)).toBe('/etcdserverpb.KV/Range');
      expect(timeout).toBe('1500m');
      expect(body[0]).toBe(0);
      expect(body.readUInt32BE(1)).toBe(body.length - 5);
      expect(num(res.header?.revision)).toBe(2 ** 40 + 7);
      expect(res.kvs).toHaveLength(1);
      expect(Buffer.from(res.kvs[0]!.key).toString()).toBe('/r/a');
      expect(num(res.kvs[0]!.mod_revision)).toBe(9);
      expect(num(res.count)).toBe(1);
      expect(res.more).toBe(false);
    } finally {
      c.close();
    }
  });

  it.each([
    ['trailers-only error with a percent-encoded message', 11, 'etcdserver: mvcc: required revision has been compacted', 'etcdserver:%20mvcc:%20required%20revision%20has%20been%20compacted'],
    ['plain message', 3, 'etcdserver: key not found', 'etcdserver: key not found'],
  ])('maps a %s to GrpcError(code, message)', async (_name, code, text, wire) => {
    script = (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': wire }, { endStream: true });
    };
    const c = new KVClient({ endpoints: [endpoint], requestTimeoutMs: 2_000 });
    try {
      const err = await c.range({ key: Buffer.from('/x') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GrpcError);
      expect((err as GrpcError).code).toBe(code);
      expect((err as GrpcError).details).toBe(text);
      expect((err as Error).message).toContain(text);
    } finally {
      c.close();
    }
  });

  it('moves on to the next endpoint when one refuses connections, and stays there', async () => {
    const dead = http2.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadEndpoint = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((r) => dead.close(() => r()));
    script = ok(RangeResponse.encode({ header: { revision: 3 } } as unknown as protobuf.Message).finish());
    const c = new KVClient({ endpoints: [deadEndpoint, endpoint], requestTimeoutMs: 2_000 });
    try {
      const before = seen.length;
      expect(num((await c.range({ key: Buffer.from('/y') })).header?.revision)).toBe(3);
      expect(num((await c.range({ key: Buffer.from('/y') })).header?.revision)).toBe(3);
      expect(seen.length - before).toBe(2);
    } finally {
      c.close();
    }
  });

  it('fails with DEADLINE_EXCEEDED when no answer comes in time, and the connection still serves the next call', async () => {
    script = () => undefined; // never answers
    const c = new KVClient({ endpoints: [endpoint], requestTimeoutMs: 200 });
    try {
      const t0 = Date.now();
      const err = await c.range({ key: Buffer.from('/slow') }).catch((e: unknown) => e);
      expect((err as GrpcError).code).toBe(GrpcCode.DEADLINE_EXCEEDED);
      expect(Date.now() - t0).toBeLessThan(2_000);
      script = ok(RangeResponse.encode({ header: { revision: 4 } } as unknown as protobuf.Message).finish());
      expect(num((await c.range({ key: Buffer.from('/z') })).header?.revision)).toBe(4);
    } finally {
      c.close();
    }
  });

  it('reports UNAVAILABLE after its attempts when no endpoint can be reached', async () => {
    const dead = http2.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadEndpoint = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((r) => dead.close(() => r()));
    const c = new KVClient({ endpoints: [deadEndpoint], requestTimeoutMs: 1_000 });
    try {
      const err = await c.range({ key: Buffer.from('/q') }).catch((e: unknown) => e);
      expect((err as GrpcError).code).toBe(GrpcCode.UNAVAILABLE);
      expect((err as Error).message).toContain(deadEndpoint.replace('http://', ''));
    } finally {
      c.close();
    }
  });
});
