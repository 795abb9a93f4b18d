// API Priority and Fairness under a flood: one user hammers LISTs with 200 concurrent requests (backing off on
// 429 as client-go does, per Retry-After) while another user creates objects; the second flow keeps its latency
// and the flood is turned away with 429s.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import https from 'node:https';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { issueClientCertificate } from '../../src/pki/index.js';
import { startServer, type RunningServer } from '../e2e/harness.js';

/** The server under test: the real `kubets server` binary in its own process, so the flood's client work does not share its event loop. */
interface Target {
  port: number;
  ca: string;
}

interface Who {
  cert: string;
  key: string;
  agent: https.Agent;
}

function call(server: Target, who: Who, method: string, p: string, body?: unknown): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const r = https.request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: p,
        method,
        ca: server.ca,
        cert: who.cert,
        key: who.key,
        agent: who.agent,
        headers: { 'Content-Type': 'application/json', ...(data ? { 'Content-Length': String(Buffer.byteLength(data)) } : {}) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}) }));
      },
    );
    r.on('error', reject);
    if (data) r.write(data);
    r.end();
  });
}

/**
 * One client hammering a LIST with `concurrency` requests in flight over keep-alive connections, backing off as
 * client-go does on 429 (Retry-After seconds). Posts the count of each status code when told to stop.
 */
const FLOOD_WORKER = `
const https = require('node:https');
const { parentPort, workerData: w } = require('node:worker_threads');
const agent = new https.Agent({ keepAlive: true, maxSockets: w.concurrency });
let stop = false;
const codes = {};
parentPort.on('message', () => { stop = true; });
const once = () => new Promise((resolve) => {
  const r = https.request({ host: '127.0.0.1', port: w.port, path: w.path, ca: w.ca, cert: w.cert, key: w.key, agent }, (res) => {
    res.resume();
    res.on('end', () => resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] }));
  });
  r.on('error', () => resolve({ status: 0 }));
  r.end();
});
const worker = async () => {
  while (!stop) {
    const r = await once();
    codes[r.status] = (codes[r.status] || 0) + 1;
    if (r.status === 429) {
      const until = Date.now() + Number(r.retryAfter || '1') * 1000;
      while (!stop && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    }
  }
};
Promise.all(Array.from({ length: w.concurrency }, worker)).then(() => { agent.destroy(); parentPort.postMessage(codes); });
`;

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;

describe('API Priority and Fairness under a flood', () => {
  let running: RunningServer;
  let server: Target;
  let flooder: Who;
  let writer: Who;
  let adminCreds: Who;

  beforeAll(async () => {
    running = await startServer('sqlite');
    const tls = path.join(running.dataDir, 'tls');
    const ca = { certPem: readFileSync(path.join(tls, 'server-ca.crt'), 'utf8'), keyPem: readFileSync(path.join(tls, 'server-ca.key'), 'utf8') };
    server = { port: Number(new URL(running.url).port), ca: ca.certPem };
    const who = async (cn: string, maxSockets: number): Promise<Who> => {
      const p = await issueClientCertificate(ca, { commonName: cn });
      return { cert: p.certPem, key: p.keyPem, agent: new https.Agent({ keepAlive: true, maxSockets }) };
    };
    flooder = await who('flooder', 200);
    writer = await who('writer', 1);
    const admin: Who = { ...(await who('kubernetes-admin', 1)), ...(await issueClientCertificate(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'] }).then((p) => ({ cert: p.certPem, key: p.keyPem }))) };
    adminCreds = admin;
    const post = async (p: string, body: unknown) => expect((await call(server, admin, 'POST', p, body)).status).toBe(201);
    await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flood' } });
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/flood';
    await post(`${rbac}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'cm' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'create'] }] });
    await post(`${rbac}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'cm' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm' },
      subjects: [
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'flooder' },
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'writer' },
      ],
    });
    // The flooder's requests go to a small priority level of their own (what an operator does for a noisy client).
    const fc = '/apis/flowcontrol.apiserver.k8s.io/v1';
    await post(`${fc}/prioritylevelconfigurations`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'PriorityLevelConfiguration',
      metadata: { name: 'noisy' },
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 2, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: { type: 'Queue', queuing: { queues: 4, handSize: 2, queueLengthLimit: 5 } } } },
    });
    await post(`${fc}/flowschemas`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'FlowSchema',
      metadata: { name: 'noisy' },
      spec: {
        priorityLevelConfiguration: { name: 'noisy' },
        matchingPrecedence: 500,
        distinguisherMethod: { type: 'ByUser' },
        rules: [{ subjects: [{ kind: 'User', user: { name: 'flooder' } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'] }] }],
      },
    });
    for (let i = 0; i < 200; i++) await post('/api/v1/namespaces/flood/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `seed-${i}` }, data: { v: 'x'.repeat(200) } });
    // The flow-control configuration reloads within a reconcile tick.
    await new Promise((r) => setTimeout(r, 600));
  }, 120_000);

  afterAll(async () => {
    flooder?.agent.destroy();
    writer?.agent.destroy();
    expect(await running?.stop()).toBe(0);
  }, 60_000);

  it("keeps the other flow's p99 within 3x of its unloaded p99 and answers the flood with 429s", async () => {
    let seq = 0;
    const writes = async (n: number) => {
      const lat: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        const r = await call(server, writer, 'POST', '/api/v1/namespaces/flood/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w-${seq++}` }, data: { v: 'y' } });
        lat.push(performance.now() - t);
        expect(r.status).toBe(201);
      }
      return lat;
    };
    await writes(20); // warm up
    // One round: the writer's p99 alone, then beside the flood. Other test files run on the same two cores at
    // the same time, so a round whose two halves saw different outside load is repeated (up to 3 rounds); a
    // server without flow control misses the bound by far more than outside load moves it.
    const round = async () => {
      const unloaded = p99(await writes(200));
      // The flood runs in its own thread (its TLS and parsing work must not delay the writer's client here).
      const flood = new Worker(FLOOD_WORKER, {
        eval: true,
        workerData: { port: server.port, ca: server.ca, cert: flooder.cert, key: flooder.key, path: '/api/v1/namespaces/flood/configmaps', concurrency: 200 },
      });
      const done = new Promise<Record<string, number>>((resolve, reject) => {
        flood.once('message', resolve);
        flood.once('error', reject);
      });
      // Measure once the flood is in its steady state (its 200 connections are open and it has met the limit).
      await new Promise((r) => setTimeout(r, 1500));
      const loaded = p99(await writes(200));
      flood.postMessage('stop');
      const codes = new Map(Object.entries(await done).map(([k, v]) => [Number(k), v]));
      return { unloaded, loaded, codes };
    };
    const rounds: Array<Awaited<ReturnType<typeof round>>> = [];
    // Sub-millisecond unloaded figures are clamped to 2 ms so that timer resolution does not decide the test.
    const within = (r: Awaited<ReturnType<typeof round>>) => r.loaded <= 3 * Math.max(r.unloaded, 2);
    do rounds.push(await round());
    while (!within(rounds[rounds.length - 1]!) && rounds.length < 3);
    const last = rounds[rounds.length - 1]!;
    for (const r of rounds) {
      expect(r.codes.get(429) ?? 0).toBeGreaterThan(0);
      expect(r.codes.get(200) ?? 0).toBeGreaterThan(0);
      expect(r.codes.get(0) ?? 0).toBe(0);
    }
    const told = rounds.map((r) => `unloaded p99 ${r.unloaded.toFixed(1)} ms, loaded p99 ${r.loaded.toFixed(1)} ms, flood replies ${JSON.stringify([...r.codes])}`).join('; ');
    expect(within(last), told).toBe(true);
    // The flood's rejections are on the books of its own level.
    const dump = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: server.port, path: '/debug/api_priority_and_fairness/dump_priority_levels', ca: server.ca, cert: adminCreds.cert, key: adminCreds.key }, (res) => {
          let t = '';
          res.on('data', (c) => (t += c));
          res.on('end', () => resolve(t));
        })
        .on('error', reject);
    });
    const noisy = dump.split('\n').find((l) => l.startsWith('noisy,'))!.split(',').map((x) => x.trim());
    expect(Number(noisy[7])).toBeGreaterThan(0);
  }, 120_000);
});
