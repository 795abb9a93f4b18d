import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../apimachinery/index.js';
import { applyDefaults } from '../defaults/index.js';
import { validateCreate, validateUpdate } from './index.js';

const svc = (spec: Record<string, any>): Record<string, any> => {
  const s: Record<string, any> = { metadata: { name: 's', namespace: 'default' }, spec: JSON.parse(JSON.stringify(spec)) };
  applyDefaults('', 'Service', s);
  return s;
};
const msgs = (o: Record<string, any>) => validateCreate('', 'Service', o).map(fieldErrorMessage);

describe('service create', () => {
  it.each<[string, Record<string, any>, string[]]>([
    ['valid ClusterIP', { ports: [{ port: 80 }], selector: { app: 'a' } }, []],
    ['valid headless without ports', { clusterIP: 'None', selector: { app: 'a' } }, []],
    ['valid ExternalName', { type: 'ExternalName', externalName: 'example.com.' }, []],
    ['ports required', {}, ['spec.ports: Required value']],
    ['port range', { ports: [{ port: 0, targetPort: 80 }] }, ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
    [
      'protocol',
      { ports: [{ port: 80, protocol: 'ICMP' }] },
      ['spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    ['names required with several ports', { ports: [{ port: 80, name: 'a' }, { port: 81 }] }, ['spec.ports[1].name: Required value']],
    ['duplicate port names', { ports: [{ port: 80, name: 'a' }, { port: 81, name: 'a' }] }, ['spec.ports[1].name: Duplicate value: "a"']],
    ['type', { type: 'Magic', ports: [{ port: 80 }] }, ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
    [
      'sessionAffinity',
      { sessionAffinity: 'Sticky', ports: [{ port: 80 }] },
      ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'],
    ],
    ['externalName required', { type: 'ExternalName' }, ['spec.externalName: Required value']],
    [
      'clusterIP syntax',
      { clusterIP: '10.0.0.300', ports: [{ port: 80 }] },
      ['spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ],
    [
      'headless NodePort',
      { type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] },
      ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"],
    ],
    [
      'nodePort on ClusterIP',
      { ports: [{ port: 80, nodePort: 30080 }] },
      ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ],
    [
      'duplicate port',
      { ports: [{ port: 80, name: 'a' }, { port: 80, name: 'b' }] },
      ['spec.ports[1]: Duplicate value: {"protocol":"TCP","port":80}'],
    ],
    [
      'externalTrafficPolicy on ClusterIP',
      { ports: [{ port: 80 }], externalTrafficPolicy: 'Local' },
      ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
    ],
  ])('%s', (_n, spec, expected) => expect(msgs(svc(spec))).toEqual(expected));
});

describe('service update', () => {
  it('clusterIP may not change', () => {
    const old = svc({ clusterIP: '10.0.0.5', ports: [{ port: 80 }] });
    const n = svc({ clusterIP: '10.0.0.6', ports: [{ port: 80 }] });
    expect(validateUpdate('', 'Service', n, old).map(fieldErrorMessage)).toEqual(['spec.clusterIPs[0]: Invalid value: []string{"10.0.0.6"}: may not change once set']);
  });
  it('other fields may change', () => {
    const old = svc({ clusterIP: '10.0.0.5', ports: [{ port: 80 }] });
    const n = svc({ clusterIP: '10.0.0.5', ports: [{ port: 8080 }], type: 'NodePort' });
    expect(validateUpdate('', 'Service', n, old)).toEqual([]);
  });
});
