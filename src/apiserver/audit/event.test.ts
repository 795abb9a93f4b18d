// Audit events: shapes per level and stage, objectRef completion, Status responses, omitted stages, managedFields, source IPs.
import { describe, expect, it } from 'vitest';
import type { AuthorizationAttributes, UserInfo } from '../authn.js';
import type { Req } from '../http.js';
import { RequestAudit, formatMicroTime, newRequestAudit, sourceIPs, type AuditBackend, type AuditEvent } from './event.js';
import type { Level, RequestAuditConfig } from './policy.js';

const admin: UserInfo = { name: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] };
const T0 = Date.UTC(2026, 10, 23, 17, 30, 0, 123) + 0.456; // .123456
const T1 = T0 + 1500.5;

const attrs: AuthorizationAttributes = {
  user: admin,
  verb: 'create',
  isResourceRequest: true,
  path: '/api/v1/namespaces/default/pods',
  apiGroup: '',
  apiVersion: 'v1',
  namespace: 'default',
  resource: 'pods',
  subresource: '',
  name: '',
};
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '42', managedFields: [{ manager: 'kubectl' }] },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
};

function cfg(level: Level, extra: Partial<RequestAuditConfig> = {}): RequestAuditConfig {
  return { level, omitStages: [], omitManagedFields: false, ...extra };
}
function audit(level: Level, extra: Partial<RequestAuditConfig> = {}): RequestAudit {
  return new RequestAudit(cfg(level, extra), {
    requestURI: '/api/v1/namespaces/default/pods?fieldManager=kubectl-client-side-apply',
    verb: 'create',
    user: admin,
    sourceIPs: ['10.0.0.1'],
    userAgent: 'kubectl/v1.30.0 (linux/amd64) kubernetes/7c48c2b',
    attributes: attrs,
    auditID: 'a1b2c3d4-0000-4000-8000-000000000000',
    receivedAt: T0,
  });
}
/** Runs one create through the context as the apiserver would. */
function createFlow(a: RequestAudit): AuditEvent | undefined {
  a.annotate('authorization.k8s.io/decision', 'allow');
  a.annotate('authorization.k8s.io/reason', '');
  a.logRequestObject(pod, { group: '', version: 'v1', resource: 'pods' });
  a.setResponseCode(201);
  a.logResponseObject(pod);
  return a.stageEvent('ResponseComplete', T1);
}

describe('event shape per level (ResponseComplete of a create)', () => {
  it('Metadata: full upstream shape and key order, no objects', () => {
    const ev = createFlow(audit('Metadata'))!;
    expect(Object.keys(ev)).toEqual([
      'kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'sourceIPs', 'userAgent', 'objectRef',
      'responseStatus', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations',
    ]);
    expect(ev).toEqual({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: 'a1b2c3d4-0000-4000-8000-000000000000',
      stage: 'ResponseComplete',
      requestURI: '/api/v1/namespaces/default/pods?fieldManager=kubectl-client-side-apply',
      verb: 'create',
      user: { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] },
      sourceIPs: ['10.0.0.1'],
      userAgent: 'kubectl/v1.30.0 (linux/amd64) kubernetes/7c48c2b',
      objectRef: { resource: 'pods', namespace: 'default', name: 'web', uid: 'u-1', apiVersion: 'v1', resourceVersion: '42' },
      responseStatus: { metadata: {}, code: 201 },
      requestReceivedTimestamp: '2026-11-23T17:30:00.123456Z',
      stageTimestamp: '2026-11-23T17:30:01.623956Z',
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
    });
  });

  it('Request: adds requestObject only', () => {
    const ev = createFlow(audit('Request'))!;
    expect(ev.requestObject).toEqual(pod);
    expect(ev.responseObject).toBeUndefined();
  });

  it('RequestResponse: adds requestObject and responseObject', () => {
    const ev = createFlow(audit('RequestResponse'))!;
    expect(ev.requestObject).toEqual(pod);
    expect(ev.responseObject).toEqual(pod);
    expect(Object.keys(ev).indexOf('requestObject')).toBe(Object.keys(ev).indexOf('responseStatus') + 1);
  });

  it('None: no event at all', () => {
    expect(createFlow(audit('None'))).toBeUndefined();
  });

  it('objects are copied when logged; omitManagedFields drops managedFields from both', () => {
    const a = audit('RequestResponse', { omitManagedFields: true });
    const body = structuredClone(pod);
    a.logRequestObject(body);
    body.spec.containers[0]!.image = 'changed';
    a.logResponseObject({ kind: 'PodList', apiVersion: 'v1', items: [structuredClone(pod)] });
    const ev = a.stageEvent('ResponseComplete', T1)!;
    expect((ev.requestObject as any).spec.containers[0].image).toBe('nginx');
    expect((ev.requestObject as any).metadata.managedFields).toBeUndefined();
    expect((ev.responseObject as any).items[0].metadata.managedFields).toBeUndefined();
    expect(pod.metadata.managedFields).toHaveLength(1); // the caller's object is untouched
  });
});

describe('stages', () => {
  it('RequestReceived: stamped with the receive time, no status or objects', () => {
    const a = audit('RequestResponse');
    const ev = a.stageEvent('RequestReceived', T1)!;
    expect(ev.stage).toBe('RequestReceived');
    expect(ev.stageTimestamp).toBe(ev.requestReceivedTimestamp);
    expect(ev.responseStatus).toBeUndefined();
    expect(ev.objectRef).toEqual({ resource: 'pods', namespace: 'default', apiVersion: 'v1' });
  });

  it('omitted stages produce nothing; emit sends to the backend', () => {
    const got: AuditEvent[] = [];
    const backend: AuditBackend = { processEvents: (...e) => (got.push(...e), true) };
    const a = audit('Metadata', { omitStages: ['RequestReceived'] });
    expect(a.emit('RequestReceived', backend)).toBe(false);
    a.setResponseCode(200);
    expect(a.emit('ResponseComplete', backend, T1)).toBe(true);
    expect(got.map((e) => e.stage)).toEqual(['ResponseComplete']);
  });

  it('failures keep the Status fields; no status at all is "Connection closed early"', () => {
    const a = audit('Metadata');
    a.logResponseObject({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "web" already exists', reason: 'AlreadyExists',
      details: { name: 'web', kind: 'pods' }, code: 409,
    });
    expect(a.stageEvent('ResponseComplete', T1)!.responseStatus).toEqual({
      metadata: {}, status: 'Failure', message: 'pods "web" already exists', reason: 'AlreadyExists', details: { name: 'web', kind: 'pods' }, code: 409,
    });
    expect(audit('Metadata').stageEvent('ResponseComplete', T1)!.responseStatus).toEqual({
      metadata: {}, status: 'Success', message: 'Connection closed early', code: 200,
    });
  });

  it('Panic carries a 500 InternalError', () => {
    const a = audit('Metadata');
    a.logPanic(new Error('boom'));
    expect(a.stageEvent('Panic', T1)!.responseStatus).toEqual({ metadata: {}, status: 'Failure', message: "APIServer panic'd: boom", reason: 'InternalError', code: 500 });
  });

  it('impersonation: user stays the authenticated user', () => {
    const a = audit('Metadata');
    a.logImpersonatedUser({ name: 'jane', groups: ['devs'], extra: { scopes: ['a'] } });
    const ev = a.stageEvent('ResponseComplete', T1)!;
    expect(ev.user.username).toBe('kubernetes-admin');
    expect(ev.impersonatedUser).toEqual({ username: 'jane', groups: ['devs'], extra: { scopes: ['a'] } });
  });

  it('annotations keep their first value', () => {
    const a = audit('Metadata');
    a.annotate('k', 'v1');
    a.annotate('k', 'v2');
    expect(a.stageEvent('ResponseComplete', T1)!.annotations).toEqual({ k: 'v1' });
  });
});

describe('newRequestAudit from an HTTP request', () => {
  const fakeReq = (headers: Record<string, string>, remoteAddress: string, url: string) => ({ headers, socket: { remoteAddress }, url }) as unknown as Req;

  it('takes URI, user agent, Audit-ID and source IPs from the request', () => {
    const long = 'x'.repeat(1100);
    const a = newRequestAudit(
      fakeReq({ 'user-agent': long, 'audit-id': 'given-id', 'x-forwarded-for': '1.2.3.4, bogus, 5.6.7.8' }, '::ffff:127.0.0.1', '/api/v1/pods?watch=1'),
      { ...attrs, verb: 'watch', namespace: '', name: '' },
      cfg('Metadata'),
      T0,
    );
    const ev = a.stageEvent('RequestReceived')!;
    expect(a.auditID).toBe('given-id');
    expect(ev.requestURI).toBe('/api/v1/pods?watch=1');
    expect(ev.verb).toBe('watch');
    expect(ev.userAgent).toBe('x'.repeat(1024) + '...TRUNCATED');
    expect(ev.sourceIPs).toEqual(['1.2.3.4', '5.6.7.8', '127.0.0.1']);
  });

  it('a new UUID when no Audit-ID is sent', () => {
    const a = newRequestAudit(fakeReq({}, '10.1.1.1', '/healthz'), { ...attrs, isResourceRequest: false, verb: 'get' }, cfg('Metadata'));
    expect(a.auditID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.stageEvent('RequestReceived')!.objectRef).toBeUndefined();
  });

  it('sourceIPs: X-Real-Ip deduplicated, remote not repeated when last', () => {
    expect(sourceIPs({ 'x-forwarded-for': '1.1.1.1', 'x-real-ip': '1.1.1.1' }, '1.1.1.1')).toEqual(['1.1.1.1']);
    expect(sourceIPs({ 'x-real-ip': '2.2.2.2' }, '3.3.3.3')).toEqual(['2.2.2.2', '3.3.3.3']);
    expect(sourceIPs({}, '2001:DB8::1')).toEqual(['2001:db8::1']);
  });

  it('formatMicroTime', () => {
    expect(formatMicroTime(Date.UTC(2024, 0, 2, 3, 4, 5, 6))).toBe('2024-01-02T03:04:05.006000Z');
    expect(formatMicroTime(Date.UTC(2024, 0, 2, 3, 4, 5, 999) + 0.9999)).toBe('2024-01-02T03:04:06.000000Z');
  });
});
