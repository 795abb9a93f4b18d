// Cluster PKI: certificate contents, idempotency/regeneration, file modes, CIDR helper, and a real mutual-TLS handshake.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import {
  canonicalIp,
  ensureClusterPki,
  firstServiceIp,
  hostAddresses,
  issueClientCertificate,
  issueServingCertificate,
  PKI_FILES,
  type ClusterPki,
} from './index.js';

const DAY = 24 * 3600 * 1000;

describe('firstServiceIp', () => {
  const table: Array<[string, string]> = [
    ['10.96.0.0/16', '10.96.0.1'],
    ['10.43.0.0/16', '10.43.0.1'],
    ['10.96.5.7/16', '10.96.0.1'],
    ['192.168.0.0/31', '192.168.0.1'],
    ['fd00::/108', 'fd00::1'],
    ['FD00:0:0:0::/64', 'fd00::1'],
    ['2001:db8:1::/48', '2001:db8:1::1'],
  ];
  it.each(table)('%s → %s', (cidr, ip) => {
    expect(firstServiceIp(cidr)).toBe(ip);
  });
  const bad: Array<[string, RegExp]> = [
    ['10.96.0.0', /missing "\/prefix"/],
    ['10.96.0.0/33', /prefix must be an integer between 0 and 32/],
    ['10.96.0.0/-1', /prefix must be/],
    ['fd00::/129', /between 0 and 128/],
    ['10.300.0.0/16', /is not an IP address/],
    ['hello/8', /is not an IP address/],
    ['10.0.0.1/32', /too small/],
    ['', /invalid CIDR/],
  ];
  it.each(bad)('%j is rejected', (cidr, msg) => {
    expect(() => firstServiceIp(cidr)).toThrow(msg);
  });
  it('canonicalIp follows RFC 5952', () => {
    expect(canonicalIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalIp('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('::ffff:10.0.0.1')).toBe('::ffff:a00:1');
    expect(canonicalIp('1:0:2:3:4:5:6:7')).toBe('1:0:2:3:4:5:6:7');
  });
});

function ekus(pem: string): string[] {
  return new x509.X509Certificate(pem).getExtension(x509.ExtendedKeyUsageExtension)?.usages.map(String) ?? [];
}
function keyUsages(pem: string): number {
  return new x509.X509Certificate(pem).getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
}

describe('ensureClusterPki', () => {
  let dir: string;
  let pki: ClusterPki;
  const opts = { serviceClusterIpRange: '10.96.0.0/16' };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubets-pki-'));
    pki = await ensureClusterPki(dir, opts);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('creates the k3s-style file layout with private key modes', async () => {
    expect(pki.generated).toEqual({ ca: true, serving: true, admin: true });
    expect(pki.tlsDir).toBe(path.join(dir, 'tls'));
    for (const name of Object.values(PKI_FILES)) {
      const st = await fs.stat(path.join(dir, 'tls', name));
      if (name.endsWith('.key')) expect(st.mode & 0o777).toBe(0o600);
      else expect(st.mode & 0o077 & 0o022).toBe(0);
    }
    expect((await fs.stat(pki.tlsDir)).mode & 0o077).toBe(0);
    expect(await fs.readFile(pki.serving.certPath, 'utf8')).toBe(pki.serving.certPem);
    expect(await fs.readFile(pki.admin.keyPath, 'utf8')).toBe(pki.admin.keyPem);
    for (const pem of [pki.ca.keyPem, pki.serving.keyPem, pki.admin.keyPem]) {
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    }
    // client CA reuses the server CA.
    expect(pki.clientCa.certPem).toBe(pki.ca.certPem);
    expect(pki.clientCa.keyPem).toBe(pki.ca.keyPem);
  });

  it('CA is self-signed, ECDSA P-256, 10 years, CN kubets-server-ca@<unix time>', () => {
    const ca = new X509Certificate(pki.ca.certPem);
    expect(ca.subject).toMatch(/^CN=kubets-server-ca@\d{10}$/);
    expect(ca.issuer).toBe(ca.subject);
    expect(ca.ca).toBe(true);
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.publicKey.asymmetricKeyType).toBe('ec');
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const days = (Date.parse(ca.validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(3649);
    expect(days).toBeLessThan(3651);
    expect(Date.parse(ca.validFrom)).toBeLessThanOrEqual(Date.now());
    const ku = keyUsages(pki.ca.certPem);
    expect(ku & x509.KeyUsageFlags.keyCertSign).toBeTruthy();
    expect(ku & x509.KeyUsageFlags.cRLSign).toBeTruthy();
    const bc = new x509.X509Certificate(pki.ca.certPem).getExtension(x509.BasicConstraintsExtension);
    expect(bc?.ca).toBe(true);
    expect(bc?.critical).toBe(true);
  });

  it('serving certificate: issued by CA, serverAuth, 1 year, all required SANs', () => {
    const ca = new X509Certificate(pki.ca.certPem);
    const cert = new X509Certificate(pki.serving.certPem);
    expect(cert.subject).toBe('CN=kube-apiserver');
    expect(cert.issuer).toBe(ca.subject);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey).toBeDefined();
    const days = (Date.parse(cert.validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(366);
    expect(ekus(pki.serving.certPem)).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    const ku = keyUsages(pki.serving.certPem);
    expect(ku & x509.KeyUsageFlags.digitalSignature).toBeTruthy();
    expect(ku & x509.KeyUsageFlags.keyCertSign).toBeFalsy();

    const san = (cert.subjectAltName ?? '').split(', ');
    for (const d of ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', os.hostname().toLowerCase()]) {
      expect(san).toContain(`DNS:${d}`);
    }
    const sanIps = san.filter((s) => s.startsWith('IP Address:')).map((s) => canonicalIp(s.slice('IP Address:'.length)));
    for (const ip of ['127.0.0.1', '::1', '10.96.0.1', ...hostAddresses()]) expect(sanIps).toContain(ip);
    expect(pki.serviceIps).toEqual(['10.96.0.1']);
    // Node can match the SANs itself.
    expect(cert.checkHost('kubernetes.default.svc')).toBe('kubernetes.default.svc');
    expect(cert.checkIP('10.96.0.1')).toBe('10.96.0.1');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('admin client certificate: CN kubernetes-admin, O system:masters, clientAuth', () => {
    const ca = new X509Certificate(pki.ca.certPem);
    const cert = new X509Certificate(pki.admin.certPem);
    expect(cert.subject.split('\n').sort()).toEqual(['CN=kubernetes-admin', 'O=system:masters']);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBeUndefined();
    expect(ekus(pki.admin.certPem)).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    expect(keyUsages(pki.admin.certPem) & x509.KeyUsageFlags.digitalSignature).toBeTruthy();
    const days = (Date.parse(cert.validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(366);
  });

  it('is idempotent: a second call loads identical PEMs and regenerates nothing', async () => {
    const again = await ensureClusterPki(dir, opts);
    expect(again.generated).toEqual({ ca: false, serving: false, admin: false });
    expect(again.ca.certPem).toBe(pki.ca.certPem);
    expect(again.ca.keyPem).toBe(pki.ca.keyPem);
    expect(again.serving.certPem).toBe(pki.serving.certPem);
    expect(again.serving.keyPem).toBe(pki.serving.keyPem);
    expect(again.admin.certPem).toBe(pki.admin.certPem);
    expect(again.admin.keyPem).toBe(pki.admin.keyPem);
  });

  it('issueClientCertificate issues node credentials', async () => {
    const node = await issueClientCertificate(pki.ca, { commonName: 'system:node:worker-1', organizations: ['system:nodes'], days: 30 });
    const cert = new X509Certificate(node.certPem);
    expect(cert.subject.split('\n').sort()).toEqual(['CN=system:node:worker-1', 'O=system:nodes']);
    expect(cert.verify(new X509Certificate(pki.ca.certPem).publicKey)).toBe(true);
    const days = (Date.parse(cert.validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
    expect(ekus(node.certPem)).toEqual([x509.ExtendedKeyUsage.clientAuth]);
  });
});

describe('ensureClusterPki regeneration', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubets-pki-regen-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('regenerates only the serving certificate when a required SAN is missing', async () => {
    const first = await ensureClusterPki(dir, { serviceClusterIpRange: '10.43.0.0/16' });
    // Replace the serving cert with one lacking most SANs.
    const thin = await issueServingCertificate(first.ca, { commonName: 'kube-apiserver', dnsNames: ['localhost'], ips: ['127.0.0.1'] });
    await fs.writeFile(first.serving.certPath, thin.certPem);
    await fs.writeFile(first.serving.keyPath, thin.keyPem);
    const second = await ensureClusterPki(dir, { serviceClusterIpRange: '10.43.0.0/16' });
    expect(second.generated).toEqual({ ca: false, serving: true, admin: false });
    expect(second.serving.certPem).not.toBe(thin.certPem);
    expect(new X509Certificate(second.serving.certPem).checkIP('10.43.0.1')).toBe('10.43.0.1');
    expect(second.ca.certPem).toBe(first.ca.certPem);
    expect(second.admin.certPem).toBe(first.admin.certPem);
    expect((await fs.stat(second.serving.keyPath)).mode & 0o777).toBe(0o600);

    // New requested SANs (extra host name / IP, new service range) also trigger regeneration.
    const third = await ensureClusterPki(dir, { serviceClusterIpRange: '10.43.0.0/16,fd00::/108', hostnames: ['api.example.com'], ips: ['192.0.2.10'] });
    expect(third.generated.serving).toBe(true);
    const cert = new X509Certificate(third.serving.certPem);
    expect(cert.checkHost('api.example.com')).toBe('api.example.com');
    expect(cert.checkIP('192.0.2.10')).toBe('192.0.2.10');
    expect(cert.checkIP('fd00::1')).toBeDefined();
    expect(third.serviceIps).toEqual(['10.43.0.1', 'fd00::1']);
    // ...and asking for fewer SANs afterwards keeps the (superset) certificate.
    const fourth = await ensureClusterPki(dir, { serviceClusterIpRange: '10.43.0.0/16' });
    expect(fourth.generated.serving).toBe(false);
    expect(fourth.serving.certPem).toBe(third.serving.certPem);
  });

  it('renews leaf certificates expiring within 30 days, keeps the CA', async () => {
    const before = await ensureClusterPki(dir, { serviceClusterIpRange: '10.43.0.0/16' });
    const later = new Date(Date.now() + 340 * DAY);
    const after = await ensureClusterPki(dir, { serviceClusterIpRange: '10.43.0.0/16', now: later });
    expect(after.generated).toEqual({ ca: false, serving: true, admin: true });
    expect(after.ca.certPem).toBe(before.ca.certPem);
    expect(Date.parse(new X509Certificate(after.serving.certPem).validTo)).toBeGreaterThan(later.getTime() + 364 * DAY);
  });

  it('refuses a half-present CA pair instead of silently replacing it', async () => {
    const d = await fs.mkdtemp(path.join(os.tmpdir(), 'kubets-pki-half-'));
    try {
      await ensureClusterPki(d, { serviceClusterIpRange: '10.96.0.0/16' });
      await fs.rm(path.join(d, 'tls', PKI_FILES.serverCaKey));
      await expect(ensureClusterPki(d, { serviceClusterIpRange: '10.96.0.0/16' })).rejects.toThrow(/server-ca\.key is missing/);
    } finally {
      await fs.rm(d, { recursive: true, force: true });
    }
  });

  it('rejects an invalid service range with a clear message', async () => {
    await expect(ensureClusterPki(dir, { serviceClusterIpRange: '10.96.0.0' })).rejects.toThrow(/invalid CIDR "10.96.0.0"/);
  });
});

describe('mutual TLS with the generated PKI', () => {
  let dir: string;
  let pki: ClusterPki;
  let server: https.Server;
  let port: number;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubets-pki-tls-'));
    pki = await ensureClusterPki(dir, { serviceClusterIpRange: '10.96.0.0/16' });
    server = https.createServer(
      { key: pki.serving.keyPem, cert: pki.serving.certPem, ca: pki.clientCa.certPem, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const sock = req.socket as import('node:tls').TLSSocket;
        const peer = sock.getPeerCertificate();
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ authorized: sock.authorized, CN: peer.subject?.CN, O: peer.subject?.O }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fs.rm(dir, { recursive: true, force: true });
  });

  function get(opts: https.RequestOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/', method: 'GET', agent: false, ...opts }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('server sees the admin identity (CN kubernetes-admin, O system:masters)', async () => {
    const body = await get({ ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem });
    expect(JSON.parse(body)).toEqual({ authorized: true, CN: 'kubernetes-admin', O: 'system:masters' });
  });

  it('the serving certificate verifies for in-cluster DNS names', async () => {
    const body = await get({ ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem, servername: 'kubernetes.default.svc' });
    expect(JSON.parse(body)).toMatchObject({ CN: 'kubernetes-admin' });
  });

  it('a client without a certificate is rejected', async () => {
    await expect(get({ ca: pki.ca.certPem })).rejects.toThrow();
  });

  it('a client certificate from another CA is rejected', async () => {
    const otherDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubets-pki-other-'));
    try {
      const other = await ensureClusterPki(otherDir, { serviceClusterIpRange: '10.96.0.0/16' });
      await expect(get({ ca: pki.ca.certPem, cert: other.admin.certPem, key: other.admin.keyPem })).rejects.toThrow();
    } finally {
      await fs.rm(otherDir, { recursive: true, force: true });
    }
  });

  it('a client that does not trust the CA rejects the server', async () => {
    await expect(get({ cert: pki.admin.certPem, key: pki.admin.keyPem })).rejects.toThrow(/self.signed|unable to verify|local issuer/i);
  });
});
