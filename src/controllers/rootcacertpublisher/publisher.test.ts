// Table-driven tests of what the root-ca-cert-publisher writes.
import { describe, expect, it } from 'vitest';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { DESCRIPTION, DESCRIPTION_ANNOTATION, desiredRootCA } from './publisher.js';

const CA = '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n';
const cm = (data: Record<string, string>, ann?: Record<string, string>): ConfigMap => ({ metadata: { name: 'kube-root-ca.crt', namespace: 'ns', resourceVersion: '3', ...(ann ? { annotations: ann } : {}) }, data });

describe('desiredRootCA', () => {
  const cases: { name: string; cur: ConfigMap | undefined; want: 'create' | 'update' | 'none' }[] = [
    { name: 'missing', cur: undefined, want: 'create' },
    { name: 'correct', cur: cm({ 'ca.crt': CA }, { [DESCRIPTION_ANNOTATION]: DESCRIPTION }), want: 'none' },
    { name: 'other description kept', cur: cm({ 'ca.crt': CA }, { [DESCRIPTION_ANNOTATION]: 'mine' }), want: 'none' },
    { name: 'edited data', cur: cm({ 'ca.crt': 'x' }, { [DESCRIPTION_ANNOTATION]: DESCRIPTION }), want: 'update' },
    { name: 'extra key', cur: cm({ 'ca.crt': CA, extra: '1' }, { [DESCRIPTION_ANNOTATION]: DESCRIPTION }), want: 'update' },
    { name: 'description removed', cur: cm({ 'ca.crt': CA }), want: 'update' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = desiredRootCA(c.cur, 'ns', CA);
      const kind = got?.create ? 'create' : got?.update ? 'update' : 'none';
      expect(kind).toBe(c.want);
      const obj = got?.create ?? got?.update;
      if (obj) {
        expect(obj.data).toEqual({ 'ca.crt': CA });
        expect(obj.metadata!.annotations![DESCRIPTION_ANNOTATION]).toBe(DESCRIPTION);
        expect(obj.metadata!.name).toBe('kube-root-ca.crt');
      }
      if (got?.update) expect(got.update.metadata!.resourceVersion).toBe('3');
    });
  }
});
