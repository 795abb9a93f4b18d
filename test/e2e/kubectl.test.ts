// Real kubectl (every version on this machine) against the real `kubets server` binary, on both stores.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findKubectls, startServer, type RunningServer } from './harness.js';

const { usable, broken } = findKubectls();
if (broken.length > 0) {
  // Reported, not silently skipped: the summary names every kubectl that could not run here and why.
  process.stderr.write(`kubectl binaries that cannot run on this machine:\n${broken.map((b) => `  ${b.path}: ${b.reason}`).join('\n')}\n`);
}

const manifest = (ns: string, replicas: number, image: string, env: string) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports:
        - containerPort: 80
        env:
        - {name: A, value: "${env}"}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: ${ns}, labels: {role: config}}
data: {a: "${env}"}
---
apiVersion: v1
kind: Secret
metadata: {name: sec, namespace: ${ns}}
data: {password: aHVudGVyMg==}
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: ${ns}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  targetCPUUtilizationPercentage: 50
`;

const badManifest = (ns: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: "other"}}
    spec:
      containers: [{name: c, image: nginx}]
`;

for (const storage of ['sqlite', 'etcd'] as const) {
  describe(`kubectl against kubets server (${storage})`, () => {
    let server: RunningServer;
    let work: string;
    beforeAll(async () => {
      server = await startServer(storage);
      work = mkdtempSync(path.join(os.tmpdir(), 'kubets-kubectl-'));
    }, 90_000);
    afterAll(async () => {
      const code = await server?.stop();
      expect(code).toBe(0);
    }, 60_000);

    it('finds at least the kubectl on PATH', () => {
      expect(usable.length).toBeGreaterThan(0);
    });

    for (const k of usable) {
      it(`${k.label}: the user-guide scenario`, async () => {
        const tag = k.label.replace(/[^0-9a-z]+/gi, '-').toLowerCase().replace(/-+$/, '');
        const ns = `e2e-${tag}`.slice(0, 60);
        const env = { ...process.env, KUBECONFIG: server.kubeconfig };
        const run = (args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) => {
          const r = spawnSync(k.path, args, { encoding: 'utf8', env: opts.env ?? env, input: opts.input, timeout: 60_000 });
          return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
        };
        const ok = (args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) => {
          const r = run(args, opts);
          if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.err}${r.out}`);
          return r.out;
        };
        const jp = (args: string[], expr: string) => ok([...args, '-o', `jsonpath=${expr}`]);

        // version, cluster-info, discovery
        expect(ok(['version'])).toMatch(/Server Version: (v1\.32\.0\+kubets|version\.Info\{.*GitVersion:"v1\.32\.0\+kubets")/);
        expect(ok(['cluster-info']).replace(/\u001b\[[0-9;]*m/g, '')).toContain(`Kubernetes control plane is running at ${server.url}`);
        const resources = ok(['api-resources']);
        expect(resources).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
        expect(resources).toMatch(/horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler/);
        expect(ok(['api-versions']).split('\n')).toEqual(expect.arrayContaining(['v1', 'apps/v1', 'autoscaling/v1', 'autoscaling/v2', 'flowcontrol.apiserver.k8s.io/v1']));

        // create namespace, apply a multi-document manifest, then a changed copy
        expect(ok(['create', 'namespace', ns])).toContain(`namespace/${ns} created`);
        const m1 = path.join(work, `${tag}-1.yaml`);
        const m2 = path.join(work, `${tag}-2.yaml`);
        writeFileSync(m1, manifest(ns, 2, 'nginx:1.25', '1'));
        writeFileSync(m2, manifest(ns, 3, 'nginx:1.26', '2'));
        const applied = ok(['apply', '-f', m1]);
        for (const l of ['deployment.apps/web created', 'service/web created', 'configmap/cfg created', 'secret/sec created', 'horizontalpodautoscaler.autoscaling/web created']) {
          expect(applied).toContain(l);
        }
        const again = ok(['apply', '-f', m2]);
        expect(again).toContain('deployment.apps/web configured');
        expect(again).toContain('configmap/cfg configured');
        expect(again).toContain('service/web unchanged');
        expect(jp(['get', 'deploy', 'web', '-n', ns], '{.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[0].value} {.metadata.generation}')).toBe('3 nginx:1.26 2 2');
        // the HPA created as v1 reads back as v2 with the CPU metric
        expect(jp(['get', 'hpa', 'web', '-n', ns], '{.apiVersion} {.spec.metrics[0].resource.name} {.spec.metrics[0].resource.target.averageUtilization}')).toBe('autoscaling/v2 cpu 50');

        // get in every output form
        expect(ok(['get', 'deploy', '-n', ns, '-o', 'wide'])).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nweb\s+\d\/3\s+\d\s+\d\s+\S+\s+nginx\s+nginx:1\.26\s+app=web/);
        expect(ok(['get', 'deploy', 'web', '-n', ns, '-o', 'yaml'])).toMatch(/kind: Deployment[\s\S]*name: web/);
        expect(JSON.parse(ok(['get', 'svc', 'web', '-n', ns, '-o', 'json'])).spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
        expect(ok(['get', 'cm', '-n', ns, '-o', 'custom-columns=NAME:.metadata.name,A:.data.a', '--field-selector', 'metadata.name=cfg'])).toMatch(/NAME\s+A\ncfg\s+2/);
        expect(ok(['get', 'cm', '-n', ns, '-o', 'name', '-l', 'role=config']).trim()).toBe('configmap/cfg');
        expect(ok(['get', 'deploy', '-n', ns, '--show-labels'])).toMatch(/LABELS\nweb\s.*app=web/);
        expect(ok(['get', 'svc', '-A'])).toMatch(new RegExp(`${ns}\\s+web\\s+NodePort\\s+10\\.96\\.\\d+\\.\\d+\\s+<none>\\s+80:3\\d{4}/TCP`));
        const all = ok(['get', 'all', '-n', ns]);
        expect(all).toContain('service/web');
        expect(all).toContain('deployment.apps/web');
        expect(all).toContain('horizontalpodautoscaler.autoscaling/web');
        expect(ok(['describe', 'deploy', 'web', '-n', ns])).toMatch(/Replicas:\s+3 desired/);

        // label, annotate, patch (json, merge, strategic), edit, replace, scale, set image
        ok(['label', 'deploy', 'web', '-n', ns, 'tier=front']);
        ok(['annotate', 'deploy', 'web', '-n', ns, 'note=hi']);
        expect(jp(['get', 'deploy', 'web', '-n', ns], '{.metadata.labels.tier} {.metadata.annotations.note}')).toBe('front hi');
        ok(['patch', 'deploy', 'web', '-n', ns, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]']);
        ok(['patch', 'deploy', 'web', '-n', ns, '--type', 'merge', '-p', '{"spec":{"minReadySeconds":5}}']);
        ok(['patch', 'deploy', 'web', '-n', ns, '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"B","value":"b"}]}]}}}}']);
        expect(jp(['get', 'deploy', 'web', '-n', ns], '{.spec.replicas} {.spec.minReadySeconds} {.spec.template.spec.containers[*].name} {.spec.template.spec.containers[0].env[*].name}')).toBe('4 5 nginx B A');
        const editor = path.join(work, `${tag}-editor.sh`);
        writeFileSync(editor, '#!/bin/sh\nsed -i "s/minReadySeconds: 5/minReadySeconds: 7/" "$1"\n');
        chmodSync(editor, 0o755);
        expect(ok(['edit', 'deploy', 'web', '-n', ns], { env: { ...env, KUBE_EDITOR: editor, EDITOR: editor } })).toContain('deployment.apps/web edited');
        expect(jp(['get', 'deploy', 'web', '-n', ns], '{.spec.minReadySeconds}')).toBe('7');
        const live = ok(['get', 'cm', 'cfg', '-n', ns, '-o', 'yaml']).replace(/a: "2"/, 'a: "3"');
        expect(ok(['replace', '-f', '-'], { input: live })).toContain('configmap/cfg replaced');
        expect(jp(['get', 'cm', 'cfg', '-n', ns], '{.data.a}')).toBe('3');
        expect(ok(['scale', 'deploy', 'web', '-n', ns, '--replicas=5'])).toContain('deployment.apps/web scaled');
        ok(['set', 'image', 'deploy/web', '-n', ns, 'nginx=nginx:1.27']);
        expect(jp(['get', 'deploy', 'web', '-n', ns], '{.spec.replicas} {.spec.template.spec.containers[0].image}')).toBe('5 nginx:1.27');

        // diff (server-side dry run): differences exit 1, nothing is changed by it
        const d = run(['diff', '-f', m2]);
        expect(d.code).toBe(1);
        expect(d.out).toMatch(/-\s+replicas: 5\n\+\s+replicas: 3/);
        expect(jp(['get', 'deploy', 'web', '-n', ns], '{.spec.replicas}')).toBe('5');

        // get -w sees a change made by another command
        const watcher = spawn(k.path, ['get', 'cm', '-n', ns, '-w', '--output-watch-events'], { env });
        let wout = '';
        watcher.stdout.on('data', (c) => (wout += c));
        await waitFor(() => /ADDED\s+cfg/.test(wout), 15_000, () => wout);
        ok(['create', 'configmap', 'watched', '-n', ns, '--from-literal=x=y']);
        await waitFor(() => /ADDED\s+watched/.test(wout), 15_000, () => wout);
        ok(['delete', 'configmap', 'watched', '-n', ns]);
        await waitFor(() => /DELETED\s+watched/.test(wout), 15_000, () => wout);
        watcher.kill();

        // explain from the OpenAPI documents
        const explain = ok(['explain', 'pod.spec.containers']);
        expect(explain).toMatch(/FIELD:\s+containers\s+<\[\](Container|Object)>/);
        expect(explain).toMatch(/List of containers belonging to the pod/);

        // an invalid manifest gets upstream's words
        const bad = run(['apply', '-f', '-'], { input: badManifest(ns) });
        expect(bad.code).not.toBe(0);
        expect(bad.err).toContain('The Deployment "bad" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`');

        // delete with each --cascade value: orphan and foreground go through the garbage collector's finalizers
        expect(ok(['delete', 'svc', 'web', '-n', ns, '--cascade=background'])).toContain('service "web" deleted');
        expect(run(['get', 'svc', 'web', '-n', ns]).err).toContain('services "web" not found');
        const rsName = jp(['get', 'rs', '-n', ns, '-l', 'app=web'], '{.items[0].metadata.name}');
        ok(['delete', 'deploy', 'web', '-n', ns, '--cascade=orphan', '--wait=false']);
        await waitFor(() => run(['get', 'deploy', 'web', '-n', ns]).code !== 0, 30_000, () => run(['get', 'deploy', 'web', '-n', ns, '-o', 'yaml']).out);
        // The orphaned ReplicaSet stays, without its owner.
        expect(jp(['get', 'rs', rsName, '-n', ns], '{.metadata.ownerReferences}')).toBe('');
        ok(['create', 'configmap', 'fg', '-n', ns, '--from-literal=x=y']);
        ok(['delete', 'cm', 'fg', '-n', ns, '--cascade=foreground', '--wait=false']);
        await waitFor(() => run(['get', 'cm', 'fg', '-n', ns]).code !== 0, 30_000, () => run(['get', 'cm', 'fg', '-n', ns, '-o', 'yaml']).out);
        expect(ok(['delete', 'secret', 'sec', '-n', ns])).toContain('secret "sec" deleted');
      }, 240_000);
    }
  });
}

async function waitFor(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out; saw:\n${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
