// Tests for the Pod Security Standards checks: upstream's reasons and details, order, levels and versions.
import { describe, expect, it } from 'vitest';
import { type LevelVersion, type PodSpecObj, MAX_POLICY_VERSION, checkPod, forbiddenDetail, forbiddenReason } from './checks.js';

const baseline: LevelVersion = { level: 'baseline', version: 'latest' };
const restricted: LevelVersion = { level: 'restricted', version: 'latest' };

/** A pod that passes restricted: the usual hardened container. */
const goodContainer = (name = 'c', extra: Record<string, any> = {}) => ({
  name,
  image: 'busybox',
  ...extra,
  securityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    ...(extra.securityContext ?? {}),
  },
});
const restrictedSpec = (extra: PodSpecObj = {}): PodSpecObj => ({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [goodContainer()],
  ...extra,
});

describe('single checks (baseline:latest)', () => {
  const cases: { name: string; spec: PodSpecObj; annotations?: Record<string, string>; reason: string; detail: string }[] = [
    {
      name: 'privileged',
      spec: { containers: [{ name: 'c', securityContext: { privileged: true } }, { name: 'd', securityContext: { privileged: false } }] },
      reason: 'privileged',
      detail: 'container "c" must not set securityContext.privileged=true',
    },
    {
      name: 'privileged, several containers incl. init',
      spec: { initContainers: [{ name: 'i', securityContext: { privileged: true } }], containers: [{ name: 'c', securityContext: { privileged: true } }] },
      reason: 'privileged',
      detail: 'containers "i", "c" must not set securityContext.privileged=true',
    },
    {
      name: 'host namespaces',
      spec: { hostIPC: true, hostPID: true, hostNetwork: true, containers: [{ name: 'c' }] },
      reason: 'host namespaces',
      detail: 'hostNetwork=true, hostPID=true, hostIPC=true',
    },
    {
      name: 'capabilities outside the baseline set',
      spec: { containers: [{ name: 'a', securityContext: { capabilities: { add: ['NET_RAW', 'CHOWN', 'SYS_ADMIN'] } } }] },
      reason: 'non-default capabilities',
      detail: 'container "a" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
    },
    {
      name: 'hostPath volumes',
      spec: { volumes: [{ name: 'h', hostPath: { path: '/' } }, { name: 'e', emptyDir: {} }, { name: 'h2', hostPath: { path: '/x' } }], containers: [{ name: 'c' }] },
      reason: 'hostPath volumes',
      detail: 'volumes "h", "h2"',
    },
    {
      name: 'host ports (sorted as strings, deduplicated)',
      spec: {
        containers: [
          { name: 'a', ports: [{ containerPort: 80 }] },
          { name: 'b', ports: [{ hostPort: 8080 }, { hostPort: 10 }] },
          { name: 'c', ports: [{ hostPort: 10 }, { hostPort: 9 }] },
        ],
      },
      reason: 'hostPort',
      detail: 'containers "b", "c" use hostPorts 10, 8080, 9',
    },
    {
      name: 'one host port',
      spec: { containers: [{ name: 'b', ports: [{ hostPort: 20 }] }] },
      reason: 'hostPort',
      detail: 'container "b" uses hostPort 20',
    },
    {
      name: 'AppArmor field',
      spec: { securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [{ name: 'foo', securityContext: { appArmorProfile: { type: 'Unconfined' } } }] },
      reason: 'forbidden AppArmor profile',
      detail: 'pod and container "foo" must not set AppArmor profile type to "Unconfined"',
    },
    {
      name: 'AppArmor annotations',
      spec: { containers: [{ name: 'c' }] },
      annotations: {
        'container.apparmor.security.beta.kubernetes.io/b': 'runtime/default',
        'container.apparmor.security.beta.kubernetes.io/e': 'unconfined',
        'container.apparmor.security.beta.kubernetes.io/f': 'unknown',
        'container.apparmor.security.beta.kubernetes.io/d': 'localhost/foo',
      },
      reason: 'forbidden AppArmor profiles',
      detail:
        'annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/e="unconfined"", "container.apparmor.security.beta.kubernetes.io/f="unknown""',
    },
    {
      name: 'SELinux options',
      spec: {
        securityContext: { seLinuxOptions: { type: 'foo', user: 'bar', role: 'baz' } },
        containers: [
          { name: 'a', securityContext: { seLinuxOptions: { type: 'container_engine_t' } } },
          { name: 'e', securityContext: { seLinuxOptions: { type: 'bar' } } },
          { name: 'f', securityContext: { seLinuxOptions: { user: 'bar' } } },
        ],
      },
      reason: 'seLinuxOptions',
      detail: 'pod and containers "e", "f" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set',
    },
    {
      name: 'SELinux user only',
      spec: { securityContext: { seLinuxOptions: { user: 'bad' } }, containers: [{ name: 'c' }] },
      reason: 'seLinuxOptions',
      detail: 'pod set forbidden securityContext.seLinuxOptions: user may not be set',
    },
    {
      name: 'procMount',
      spec: {
        containers: [
          { name: 'c', securityContext: { procMount: 'Default' } },
          { name: 'd', securityContext: { procMount: 'Unmasked' } },
          { name: 'e', securityContext: { procMount: 'other' } },
        ],
      },
      reason: 'procMount',
      detail: 'containers "d", "e" must not set securityContext.procMount to "Unmasked", "other"',
    },
    {
      name: 'seccomp Unconfined',
      spec: { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [{ name: 'c', securityContext: { seccompProfile: { type: 'Unconfined' } } }] },
      reason: 'seccompProfile',
      detail: 'pod and container "c" must not set securityContext.seccompProfile.type to "Unconfined"',
    },
    {
      name: 'sysctls',
      spec: { securityContext: { sysctls: [{ name: 'a' }, { name: 'net.ipv4.tcp_rmem' }, { name: 'b' }] }, containers: [{ name: 'c' }] },
      reason: 'forbidden sysctls',
      detail: 'a, b',
    },
    {
      name: 'windows hostProcess',
      spec: { securityContext: { windowsOptions: { hostProcess: true } }, containers: [{ name: 'a', securityContext: { windowsOptions: { hostProcess: true } } }] },
      reason: 'hostProcess',
      detail: 'pod and container "a" must not set securityContext.windowsOptions.hostProcess=true',
    },
  ];
  it.each(cases)('$name', ({ spec, annotations, reason, detail }) => {
    const r = checkPod(baseline, { annotations }, spec);
    expect(r.allowed).toBe(false);
    expect(r.forbiddenReasons).toEqual([reason]);
    expect(r.forbiddenDetails).toEqual([detail]);
  });

  it('allows a plain pod and the allowed values', () => {
    const r = checkPod(baseline, { annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'runtime/default' } }, {
      securityContext: { seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: 'kernel.shm_rmid_forced' }], seLinuxOptions: { type: 'container_t' } },
      containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 0 }], securityContext: { capabilities: { add: ['CHOWN', 'NET_BIND_SERVICE'] }, procMount: 'Default' } }],
      volumes: [{ name: 'v', emptyDir: {} }],
    });
    expect(r).toEqual({ allowed: true, forbiddenReasons: [], forbiddenDetails: [] });
  });
});

describe('restricted checks (restricted:latest)', () => {
  const cases: { name: string; spec: PodSpecObj; reason: string; detail: string }[] = [
    {
      name: 'allowPrivilegeEscalation',
      spec: restrictedSpec({
        containers: [
          { name: 'a', securityContext: { capabilities: { drop: ['ALL'] } } },
          goodContainer('b', { securityContext: { allowPrivilegeEscalation: true } }),
          goodContainer('d'),
        ],
      }),
      reason: 'allowPrivilegeEscalation != false',
      detail: 'containers "a", "b" must set securityContext.allowPrivilegeEscalation=false',
    },
    {
      name: 'capabilities',
      spec: restrictedSpec({
        containers: [
          { name: 'a', securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['FOO', 'BAR'] } } },
          { name: 'b', securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['BAR', 'BAZ'] } } },
          { name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN'], drop: ['ALL', 'FOO'] } } },
        ],
      }),
      reason: 'unrestricted capabilities',
      detail: 'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add',
    },
    {
      name: 'volume types',
      spec: restrictedSpec({
        volumes: [
          { name: 'ok', configMap: { name: 'x' } },
          { name: 'b1', hostPath: { path: '/' } },
          { name: 'b2', nfs: { server: 's', path: '/' } },
          { name: 'b3', cephfs: { monitors: [] } },
          { name: 'c1' },
        ],
      }),
      reason: 'restricted volume types',
      detail: 'volumes "b1", "b2", "b3", "c1" use restricted volume types "cephfs", "hostPath", "nfs", "unknown"',
    },
    {
      name: 'one restricted volume',
      spec: restrictedSpec({ volumes: [{ name: 'g', gitRepo: { repository: 'r' } }] }),
      reason: 'restricted volume types',
      detail: 'volume "g" uses restricted volume type "gitRepo"',
    },
    {
      name: 'runAsNonRoot missing',
      spec: restrictedSpec({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [goodContainer('a'), goodContainer('b', { securityContext: { runAsNonRoot: true } })] }),
      reason: 'runAsNonRoot != true',
      detail: 'pod or container "a" must set securityContext.runAsNonRoot=true',
    },
    {
      name: 'runAsNonRoot false',
      spec: restrictedSpec({
        securityContext: { runAsNonRoot: false, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [goodContainer('c', { securityContext: { runAsNonRoot: false } })],
      }),
      reason: 'runAsNonRoot != true',
      detail: 'pod and container "c" must not set securityContext.runAsNonRoot=false',
    },
    {
      name: 'runAsUser=0',
      spec: restrictedSpec({
        securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [goodContainer('a', { securityContext: { runAsUser: 0 } }), goodContainer('b', { securityContext: { runAsUser: 1000 } })],
      }),
      reason: 'runAsUser=0',
      detail: 'pod and container "a" must not set runAsUser=0',
    },
    {
      name: 'seccomp missing',
      spec: restrictedSpec({ securityContext: { runAsNonRoot: true }, containers: [goodContainer('a'), goodContainer('b', { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'p' } } })] }),
      reason: 'seccompProfile',
      detail: 'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    },
  ];
  it.each(cases)('$name', ({ spec, reason, detail }) => {
    const r = checkPod(restricted, {}, spec);
    expect(r.forbiddenReasons).toEqual([reason]);
    expect(r.forbiddenDetails).toEqual([detail]);
  });

  it('a compliant pod passes', () => {
    expect(checkPod(restricted, {}, restrictedSpec({ volumes: [{ name: 'p', projected: { sources: [] } }, { name: 's', secret: { secretName: 's' } }] })).allowed).toBe(true);
  });

  it('a bare pod fails with the four reasons, joined as upstream', () => {
    const r = checkPod(restricted, {}, { containers: [{ name: 'c', image: 'nginx' }] });
    expect(forbiddenDetail(r)).toBe(
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    expect(forbiddenReason(r)).toBe('allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile');
  });

  it('runs baseline checks first in sorted order, and restricted overrides replace their baseline twins', () => {
    const spec: PodSpecObj = {
      hostNetwork: true,
      volumes: [{ name: 'h', hostPath: { path: '/' } }],
      containers: [{ name: 'c', securityContext: { privileged: true, capabilities: { add: ['NET_RAW'] } } }],
    };
    expect(checkPod(baseline, {}, spec).forbiddenReasons).toEqual(['non-default capabilities', 'host namespaces', 'hostPath volumes', 'privileged']);
    expect(checkPod(restricted, {}, spec).forbiddenReasons).toEqual([
      'host namespaces',
      'privileged',
      'allowPrivilegeEscalation != false',
      'unrestricted capabilities',
      'restricted volume types',
      'runAsNonRoot != true',
      'seccompProfile',
    ]);
  });

  it('Windows pods skip the Linux-only restricted checks from v1.25', () => {
    const spec = { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'c' }] };
    expect(checkPod(restricted, {}, spec).allowed).toBe(true);
    expect(checkPod({ level: 'restricted', version: 24 }, {}, spec).forbiddenReasons).toEqual(['allowPrivilegeEscalation != false', 'unrestricted capabilities', 'seccompProfile']);
  });
});

describe('levels and versions', () => {
  it('privileged runs no check', () => {
    expect(checkPod({ level: 'privileged', version: 'latest' }, {}, { hostPID: true, containers: [{ name: 'c', securityContext: { privileged: true } }] }).allowed).toBe(true);
  });

  it('latest is v1.32', () => expect(MAX_POLICY_VERSION).toBe(32));

  const sysctl = (name: string) => ({ securityContext: { sysctls: [{ name }] }, containers: [{ name: 'c' }] });
  const versionCases: { name: string; lv: LevelVersion; spec: PodSpecObj; allowed: boolean }[] = [
    { name: 'tcp_rmem forbidden at v1.31', lv: { level: 'baseline', version: 31 }, spec: sysctl('net.ipv4.tcp_rmem'), allowed: false },
    { name: 'tcp_rmem allowed at v1.32', lv: { level: 'baseline', version: 32 }, spec: sysctl('net.ipv4.tcp_rmem'), allowed: true },
    { name: 'tcp_rmem allowed at v1.99 (clamped)', lv: { level: 'baseline', version: 99 }, spec: sysctl('net.ipv4.tcp_rmem'), allowed: true },
    { name: 'ip_local_reserved_ports forbidden at v1.26', lv: { level: 'baseline', version: 26 }, spec: sysctl('net.ipv4.ip_local_reserved_ports'), allowed: false },
    { name: 'ip_local_reserved_ports allowed at v1.27', lv: { level: 'baseline', version: 27 }, spec: sysctl('net.ipv4.ip_local_reserved_ports'), allowed: true },
    {
      name: 'container_engine_t forbidden at v1.30',
      lv: { level: 'baseline', version: 30 },
      spec: { securityContext: { seLinuxOptions: { type: 'container_engine_t' } }, containers: [{ name: 'c' }] },
      allowed: false,
    },
    {
      name: 'container_engine_t allowed at v1.31',
      lv: { level: 'baseline', version: 31 },
      spec: { securityContext: { seLinuxOptions: { type: 'container_engine_t' } }, containers: [{ name: 'c' }] },
      allowed: true,
    },
    {
      name: 'runAsUser=0 not checked before v1.23',
      lv: { level: 'restricted', version: 22 },
      spec: restrictedSpec({ securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } } }),
      allowed: true,
    },
    {
      name: 'runAsUser=0 checked at v1.23',
      lv: { level: 'restricted', version: 23 },
      spec: restrictedSpec({ securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } } }),
      allowed: false,
    },
  ];
  it.each(versionCases)('$name', ({ lv, spec, allowed }) => {
    expect(checkPod(lv, {}, spec).allowed).toBe(allowed);
  });

  it('before v1.19 seccomp is read from the alpha annotations', () => {
    const meta = { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } };
    const r = checkPod({ level: 'baseline', version: 18 }, meta, { containers: [{ name: 'c' }] });
    expect(forbiddenDetail(r)).toBe('seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")');
    expect(checkPod(baseline, meta, { containers: [{ name: 'c' }] }).allowed).toBe(true);
  });
});
