// The node join token of `kubets server` (DIR/token): a bootstrap-token Secret plus the RBAC bindings that let its holder request a node certificate.
import { randomInt } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import { isAlreadyExists, isNotFound, type RestClient } from '../client/index.js';
import { formatJoinToken, parseJoinToken } from '../kubelet/bootstrap.js';

/** The group every kubets join token puts its holder in (kubeadm's is `system:bootstrappers:kubeadm:default-node-token`). */
export const JOIN_TOKEN_GROUP = 'system:bootstrappers:kubets:default-node-token';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function randomString(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/**
 * The bindings kubeadm creates for TLS bootstrapping, under kubets names: join-token holders may create CSRs and
 * have node client CSRs auto-approved; nodes may have their renewal CSRs auto-approved.
 */
export function bootstrapBindings(): ClusterRoleBinding[] {
  const crb = (name: string, role: string, group: string): ClusterRoleBinding => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  });
  return [
    crb('kubets:kubelet-bootstrap', 'system:node-bootstrapper', JOIN_TOKEN_GROUP),
    crb('kubets:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', JOIN_TOKEN_GROUP),
    crb('kubets:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:nodes'),
  ];
}

/**
 * Ensures `DIR/token` holds a join token (K10<ca-hash>::<id>.<secret>, mode 0600) whose bootstrap-token Secret
 * exists in kube-system (recreated if deleted; no expiry), and that the bootstrap bindings exist. Returns the token.
 */
export async function ensureJoinToken(client: RestClient, dataDir: string, caPem: string): Promise<string> {
  const file = path.join(dataDir, 'token');
  let bearer: string | undefined;
  try {
    bearer = parseJoinToken(await fs.readFile(file, 'utf8')).bearer;
  } catch {
    bearer = undefined;
  }
  bearer ??= `${randomString(6)}.${randomString(16)}`;
  const [id, secret] = bearer.split('.') as [string, string];
  const secrets = client.resource<Secret>('secrets');
  const name = `bootstrap-token-${id}`;
  try {
    await secrets.get(name, { namespace: 'kube-system' });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      await secrets.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: 'kube-system' },
        type: 'bootstrap.kubernetes.io/token',
        stringData: {
          description: 'kubets node join token (DIR/token)',
          'token-id': id,
          'token-secret': secret,
          'usage-bootstrap-authentication': 'true',
          'usage-bootstrap-signing': 'true',
          'auth-extra-groups': JOIN_TOKEN_GROUP,
        },
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
  const crbs = client.resource<ClusterRoleBinding>('clusterrolebindings');
  for (const b of bootstrapBindings()) {
    try {
      await crbs.create(b);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
  const token = formatJoinToken(caPem, bearer);
  await fs.writeFile(`${file}.tmp`, `${token}\n`, { mode: 0o600 });
  await fs.rename(`${file}.tmp`, file);
  return token;
}
