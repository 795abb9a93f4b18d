// Status errors: upstream codes, reasons, messages and details for each constructor and mapped storage error.
import { describe, it, expect } from 'vitest';
import {
  alreadyExists,
  badRequest,
  conflict,
  field,
  fieldErrorMessage,
  forbidden,
  internalError,
  invalid,
  notFound,
  resourceExpired,
  tooManyRequests,
  toStatusError,
  StatusError,
} from './status.js';
import { CompactedError, ConflictError, KeyExistsError, NotFoundError, RequestTooLargeError, StorageError } from '../storage/index.js';

const pods = { group: '', resource: 'pods' };
const deployments = { group: 'apps', resource: 'deployments' };
const kv = { key: '/pods/default/web', value: Buffer.from('{}'), createRevision: 1, modRevision: 2, lease: 0 };

describe('Status errors', () => {
  it.each([
    { err: notFound(pods, 'web'), code: 404, reason: 'NotFound', message: 'pods "web" not found', details: { name: 'web', kind: 'pods' } },
    {
      err: notFound(deployments, 'api'),
      code: 404,
      reason: 'NotFound',
      message: 'deployments.apps "api" not found',
      details: { name: 'api', group: 'apps', kind: 'deployments' },
    },
    { err: alreadyExists(pods, 'web'), code: 409, reason: 'AlreadyExists', message: 'pods "web" already exists', details: { name: 'web', kind: 'pods' } },
    {
      err: conflict(pods, 'web'),
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'web', kind: 'pods' },
    },
    {
      err: forbidden(pods, '', 'User "jane" cannot list resource "pods" in API group "" in the namespace "prod"'),
      code: 403,
      reason: 'Forbidden',
      message: 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "prod"',
      details: { kind: 'pods' },
    },
    { err: badRequest('bad'), code: 400, reason: 'BadRequest', message: 'bad', details: undefined },
    { err: resourceExpired('too old resource version: 5 (10)'), code: 410, reason: 'Expired', message: 'too old resource version: 5 (10)', details: undefined },
    { err: tooManyRequests('slow down', 3), code: 429, reason: 'TooManyRequests', message: 'slow down', details: { retryAfterSeconds: 3 } },
  ])('$reason: $message', ({ err, code, reason, message, details }) => {
    expect(err).toBeInstanceOf(StatusError);
    expect(err.status).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message, ...(details ? { details } : {}) });
    expect(err.code).toBe(code);
  });

  it.each([
    { e: field.required('metadata.name'), text: 'metadata.name: Required value' },
    { e: field.required('spec.containers', 'must have at least one'), text: 'spec.containers: Required value: must have at least one' },
    { e: field.invalid('metadata.name', 'Bad_Name', 'a lowercase RFC 1123 subdomain'), text: 'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain' },
    { e: field.invalid('spec.replicas', -1, 'must be greater than or equal to 0'), text: 'spec.replicas: Invalid value: -1: must be greater than or equal to 0' },
    {
      e: field.notSupported('spec.restartPolicy', 'Sometimes', ['Always', 'OnFailure', 'Never']),
      text: 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    },
    { e: field.duplicate('spec.containers[1].name', 'app'), text: 'spec.containers[1].name: Duplicate value: "app"' },
    { e: field.forbidden('spec.nodeName', 'may not be changed'), text: 'spec.nodeName: Forbidden: may not be changed' },
  ])('field error $text', ({ e, text }) => {
    expect(fieldErrorMessage(e)).toBe(text);
  });

  it('Invalid aggregates field errors into one message with one cause each', () => {
    const one = invalid({ group: '', kind: 'Pod' }, 'web', [field.required('spec.containers')]);
    expect(one.status.code).toBe(422);
    expect(one.status.message).toBe('Pod "web" is invalid: spec.containers: Required value');
    const two = invalid({ group: 'apps', kind: 'Deployment' }, 'api', [
      field.invalid('spec.replicas', -1, 'must be greater than or equal to 0'),
      field.required('spec.selector'),
    ]);
    expect(two.status.message).toBe(
      'Deployment.apps "api" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.selector: Required value]',
    );
    expect(two.status.details).toEqual({
      name: 'api',
      group: 'apps',
      kind: 'Deployment',
      causes: [
        { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' },
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' },
      ],
    });
  });

  it.each([
    { err: new KeyExistsError('/pods/default/web', kv), code: 409, reason: 'AlreadyExists' },
    { err: new NotFoundError('/pods/default/web'), code: 404, reason: 'NotFound' },
    { err: new ConflictError('/pods/default/web', 1, kv), code: 409, reason: 'Conflict' },
    { err: new CompactedError(5, 10), code: 410, reason: 'Expired' },
    { err: new RequestTooLargeError('value', 2_000_000, 1_572_864), code: 413, reason: 'RequestEntityTooLarge' },
    { err: new StorageError('Unavailable', 'etcd down'), code: 503, reason: 'ServiceUnavailable' },
    { err: new Error('boom'), code: 500, reason: 'InternalError' },
  ])('maps $reason from $err.name', ({ err, code, reason }) => {
    const s = toStatusError(err, pods, 'web');
    expect(s.code).toBe(code);
    expect(s.reason).toBe(reason);
  });

  it('passes StatusErrors through and wraps the rest as InternalError with a cause', () => {
    const e = notFound(pods, 'x');
    expect(toStatusError(e)).toBe(e);
    expect(internalError(new Error('disk on fire')).status).toMatchObject({
      code: 500,
      message: 'Internal error occurred: disk on fire',
      details: { causes: [{ message: 'disk on fire' }] },
    });
    expect(toStatusError(new CompactedError(5, 10)).message).toBe('too old resource version: 5 (10)');
  });
});
