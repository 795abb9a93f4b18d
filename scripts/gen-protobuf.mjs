// Generates src/api/protobuf/schema.gen.ts, the compact protobuf field table of every kind kubets decodes (dev time only).
//
// Usage: node scripts/gen-protobuf.mjs [path/to/kubectl]
//
// Every Go binary built from client-go registers the gzipped FileDescriptorProto of each upstream `generated.proto`
// (k8s.io/api/**, k8s.io/apimachinery/**). This script scans the given kubectl binary (default: the one on PATH) for
// gzip streams, keeps the ones that inflate to such a descriptor, and walks the messages reachable from the root
// kinds listed below. For each field it records the name, number, type and four flags: repeated; Go pointer (no
// gogoproto `nullable=false` in the descriptor, so a zero value still means "set"); Go embedding (customname equal
// to the type name, confirmed by node_modules/kubernetes-types whose interface for the parent lacks the property:
// the field is `json:",inline"` and flattened in JSON); and, for scalars, whether the kubernetes-types property is
// required (no `omitempty`, so a zero value still appears in JSON).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'api', 'protobuf', 'schema.gen.ts');

/** apiVersion -> [proto package, kinds]. Kinds get their `...List` added when the descriptor has one. */
const ROOTS = {
  v1: ['k8s.io.api.core.v1', ['Binding', 'ComponentStatus', 'ConfigMap', 'Endpoints', 'Event', 'LimitRange', 'Namespace',
    'Node', 'PersistentVolumeClaim', 'PersistentVolume', 'Pod', 'PodTemplate', 'ReplicationController', 'ResourceQuota',
    'Secret', 'ServiceAccount', 'Service']],
  'apps/v1': ['k8s.io.api.apps.v1', ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet']],
  'autoscaling/v1': ['k8s.io.api.autoscaling.v1', ['HorizontalPodAutoscaler', 'Scale']],
  'autoscaling/v2': ['k8s.io.api.autoscaling.v2', ['HorizontalPodAutoscaler']],
  'batch/v1': ['k8s.io.api.batch.v1', ['CronJob', 'Job']],
  'certificates.k8s.io/v1': ['k8s.io.api.certificates.v1', ['CertificateSigningRequest']],
  'coordination.k8s.io/v1': ['k8s.io.api.coordination.v1', ['Lease']],
  'discovery.k8s.io/v1': ['k8s.io.api.discovery.v1', ['EndpointSlice']],
  'events.k8s.io/v1': ['k8s.io.api.events.v1', ['Event']],
  'flowcontrol.apiserver.k8s.io/v1': ['k8s.io.api.flowcontrol.v1', ['FlowSchema', 'PriorityLevelConfiguration']],
  'networking.k8s.io/v1': ['k8s.io.api.networking.v1', ['IngressClass', 'Ingress', 'NetworkPolicy']],
  'policy/v1': ['k8s.io.api.policy.v1', ['PodDisruptionBudget', 'Eviction']],
  'rbac.authorization.k8s.io/v1': ['k8s.io.api.rbac.v1', ['ClusterRoleBinding', 'ClusterRole', 'RoleBinding', 'Role']],
  'scheduling.k8s.io/v1': ['k8s.io.api.scheduling.v1', ['PriorityClass']],
  'storage.k8s.io/v1': ['k8s.io.api.storage.v1', ['StorageClass']],
  'authentication.k8s.io/v1': ['k8s.io.api.authentication.v1', ['TokenRequest', 'TokenReview', 'SelfSubjectReview']],
  'authorization.k8s.io/v1': ['k8s.io.api.authorization.v1', ['SelfSubjectAccessReview', 'SubjectAccessReview',
    'SelfSubjectRulesReview', 'LocalSubjectAccessReview']],
  'meta.k8s.io/v1': ['k8s.io.apimachinery.pkg.apis.meta.v1', []],
};
/** meta/v1 kinds registered into every group version (metav1.AddToGroupVersion). */
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const META_KINDS = ['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions', 'GetOptions', 'ListOptions', 'Status'];
/** Go named slice types (`type ExtraValue []string`) that protobuf wraps in a message with one `items` field. */
const LIST_WRAPPER_NAMES = new Set(['ExtraValue', 'Verbs']);

// ---- minimal protobuf reader -------------------------------------------------------------------------------------
function varint(b, i) {
  let r = 0n, s = 0n;
  for (;;) {
    const x = b[i++];
    if (x === undefined) throw new Error('truncated varint');
    r |= BigInt(x & 0x7f) << s;
    s += 7n;
    if (!(x & 0x80)) return [r, i];
  }
}
function* fields(b) {
  let i = 0;
  while (i < b.length) {
    const [tag, j] = varint(b, i);
    i = j;
    const no = Number(tag >> 3n), wt = Number(tag & 7n);
    if (wt === 0) { const [v, k] = varint(b, i); i = k; yield [no, v]; }
    else if (wt === 2) { const [l, k] = varint(b, i); i = k + Number(l); yield [no, b.subarray(k, i)]; }
    else if (wt === 5) { yield [no, b.subarray(i, i + 4)]; i += 4; }
    else if (wt === 1) { yield [no, b.subarray(i, i + 8)]; i += 8; }
    else throw new Error('unsupported wire type ' + wt);
  }
}

const SCALARS = { 1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 6: 'fixed64', 7: 'fixed32', 8: 'bool',
  9: 'string', 12: 'bytes', 13: 'uint32', 14: 'int32', 15: 'sfixed32', 16: 'sfixed64', 17: 'sint32', 18: 'sint64' };

/** All messages by full name (no leading dot): { fields: [{name, number, repeated, type, typeName, nullable, customname}], mapEntry }. */
const messages = new Map();
function readMessage(prefix, buf) {
  let name = '';
  const flds = [];
  const nested = [];
  let mapEntry = false;
  for (const [no, v] of fields(buf)) {
    if (no === 1) name = Buffer.from(v).toString();
    else if (no === 2) {
      const f = { name: '', number: 0, repeated: false, type: 0, typeName: '', nullable: true, customname: '' };
      for (const [fn, fv] of fields(v)) {
        if (fn === 1) f.name = Buffer.from(fv).toString();
        else if (fn === 3) f.number = Number(fv);
        else if (fn === 4) f.repeated = Number(fv) === 3;
        else if (fn === 5) f.type = Number(fv);
        else if (fn === 6) f.typeName = Buffer.from(fv).toString().replace(/^\./, '');
        else if (fn === 8) {
          for (const [on, ov] of fields(fv)) {
            if (on === 65001) f.nullable = ov !== 0n;
            else if (on === 65004) f.customname = Buffer.from(ov).toString();
          }
        }
      }
      flds.push(f);
    } else if (no === 3) nested.push(v);
    else if (no === 7) for (const [on, ov] of fields(v)) if (on === 7) mapEntry = ov !== 0n;
  }
  const full = prefix + '.' + name;
  messages.set(full, { fields: flds, mapEntry });
  for (const n of nested) readMessage(full, n);
}

// ---- descriptors out of the binary -------------------------------------------------------------------------------
const kubectl = fs.realpathSync(process.argv[2] ?? execFileSync('sh', ['-c', 'command -v kubectl']).toString().trim());
const bin = fs.readFileSync(kubectl);
const GZ = Buffer.from([0x1f, 0x8b, 0x08]);
let files = 0;
for (let i = bin.indexOf(GZ); i >= 0; i = bin.indexOf(GZ, i + 1)) {
  let d;
  try {
    // Only this gzip member: Go lays descriptors out back to back, and gunzip would run on into the next one
    // (whose name and package would then win). Go's gzip writer uses a bare 10-byte header (no optional fields).
    if (bin[i + 3] !== 0) continue;
    d = zlib.inflateRawSync(bin.subarray(i + 10, i + (1 << 21)), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch {
    continue;
  }
  if (d[0] !== 0x0a) continue;
  let fname = '', pkg = '';
  const msgs = [];
  try {
    for (const [no, v] of fields(d)) {
      if (no === 1) fname = Buffer.from(v).toString();
      else if (no === 2) pkg = Buffer.from(v).toString();
      else if (no === 4) msgs.push(v);
    }
  } catch {
    continue;
  }
  if (!/^k8s\.io\/(api|apimachinery)\/.*generated\.proto$/.test(fname)) continue;
  files++;
  for (const m of msgs) readMessage(pkg, m);
}
if (!files) throw new Error(`no Kubernetes protobuf descriptors found in ${kubectl}`);

// ---- closure from the roots --------------------------------------------------------------------------------------
const kinds = {};
const queue = [];
for (const [apiVersion, [pkg, ks]] of Object.entries(ROOTS)) {
  const entry = (kinds[apiVersion] = {});
  const add = (kind, msg) => {
    if (!messages.has(msg)) return false;
    entry[kind] = msg;
    queue.push(msg);
    return true;
  };
  for (const k of ks) {
    if (!add(k, `${pkg}.${k}`)) throw new Error(`no message ${pkg}.${k}`);
    add(k + 'List', `${pkg}.${k}List`);
  }
  for (const k of META_KINDS) add(k, `${META}.${k}`);
}
const seen = new Set();
while (queue.length) {
  const name = queue.pop();
  if (seen.has(name)) continue;
  seen.add(name);
  const m = messages.get(name);
  if (!m) throw new Error('unresolved message ' + name);
  for (const f of m.fields) if (f.type === 11) queue.push(f.typeName);
}

const simple = (full) => full.slice(full.lastIndexOf('.') + 1);

/**
 * Properties of the kubernetes-types interface for a proto message (name -> optional?), or undefined when there is
 * none. openapi-gen requires `+optional` and `omitempty` to agree, so a required property is a Go field without
 * `omitempty`: its zero value is still written by Go's JSON encoder.
 */
const dtsCache = new Map();
function tsProperties(full) {
  const m = /^k8s\.io\.(?:api|apimachinery\.pkg\.apis)\.(\w+)\.(\w+)\.(\w+)$/.exec(full);
  if (!m) return undefined;
  const file = path.join(path.dirname(OUT), '..', '..', '..', 'node_modules', 'kubernetes-types', m[1], m[2] + '.d.ts');
  if (!dtsCache.has(file)) dtsCache.set(file, fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  const text = dtsCache.get(file);
  const start = text.indexOf(`export interface ${m[3]} {`);
  if (start < 0) return undefined;
  const body = text.slice(start, text.indexOf('\n}', start));
  return new Map([...body.matchAll(/^ {4}(?:readonly )?(\w+)(\??):/gm)].map((x) => [x[1], x[2] === '?']));
}
function typeOf(f) {
  if (f.type !== 11) {
    const t = SCALARS[f.type];
    if (!t) throw new Error(`unsupported field type ${f.type} for ${f.name}`);
    return t;
  }
  const m = messages.get(f.typeName);
  if (m?.mapEntry) {
    const k = m.fields.find((x) => x.number === 1), v = m.fields.find((x) => x.number === 2);
    return `map<${typeOf(k)},${typeOf(v)}>`;
  }
  return f.typeName;
}

const out = {};
const wrappers = [];
const inlines = [];
const renamed = [];
const required = [];
for (const name of [...seen].sort()) {
  const m = messages.get(name);
  if (m.mapEntry) continue;
  const only = m.fields[0];
  if (LIST_WRAPPER_NAMES.has(simple(name))) {
    if (m.fields.length !== 1 || only?.name !== 'items' || !only.repeated) throw new Error(`${name} is not a list wrapper`);
    wrappers.push(name);
  }
  out[name] = m.fields.map((f) => {
    const map = f.type === 11 && messages.get(f.typeName)?.mapEntry;
    let flags = 0;
    if (f.repeated && !map) flags |= 1;
    if (!f.repeated && f.nullable) flags |= 2;
    const props = tsProperties(name);
    if (f.type === 11 && !map && !f.repeated && f.customname === simple(f.typeName) && props && !props.has(f.name)) {
      flags |= 4;
      inlines.push(`${simple(name)}.${f.name}`);
    }
    // The proto name is the Go json name except for a few initialisms (`uID`, `aPIGroup`): take the JSON name from
    // kubernetes-types when only the case differs.
    let json = f.name;
    if (props && !props.has(json)) {
      const alt = [...props.keys()].filter((p) => p.toLowerCase() === json.toLowerCase());
      if (alt.length === 1 && alt[0]) {
        renamed.push(`${simple(name)}.${json}->${alt[0]}`);
        json = alt[0];
      }
    }
    if (f.type !== 11 && !f.repeated && !f.nullable && props?.get(json) === false) {
      flags |= 8;
      required.push(`${simple(name)}.${json}`);
    }
    return [json, f.number, typeOf(f), flags];
  });
}

const lines = [];
lines.push('// Generated by scripts/gen-protobuf.mjs from the upstream Kubernetes generated.proto descriptors; do not edit.');
lines.push('');
lines.push("import type { MessageTable } from './types.js';");
lines.push('');
lines.push('/** Every message reachable from a decodable kind: [name, number, type, flags] per field (see FieldFlag). */');
lines.push('export const MESSAGES: MessageTable = {');
for (const [name, fl] of Object.entries(out)) {
  lines.push(`  ${JSON.stringify(name)}: [`);
  for (const f of fl) lines.push(`    [${f.map((x) => JSON.stringify(x)).join(', ')}],`);
  lines.push('  ],');
}
lines.push('};');
lines.push('');
lines.push('/** apiVersion -> kind -> message name, for the kinds an enveloped object may carry. */');
lines.push('export const KINDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {');
for (const [v, ks] of Object.entries(kinds)) {
  lines.push(`  ${JSON.stringify(v)}: {`);
  for (const [k, m] of Object.entries(ks)) lines.push(`    ${JSON.stringify(k)}: ${JSON.stringify(m)},`);
  lines.push('  },');
}
lines.push('};');
lines.push('');
lines.push('/** Messages standing for a Go named slice type (`type ExtraValue []string`): JSON is the bare `items` array. */');
lines.push(`export const LIST_WRAPPERS: ReadonlySet<string> = new Set([${wrappers.map((x) => JSON.stringify(x)).join(', ')}]);`);
lines.push('');
fs.writeFileSync(OUT, lines.join('\n'));
console.error(`${files} descriptor files, ${Object.keys(out).length} messages -> ${path.relative(process.cwd(), OUT)}`);
console.error('list wrappers: ' + wrappers.join(' '));
console.error('inline fields: ' + inlines.join(' '));
console.error('json renames: ' + renamed.join(' '));
console.error(`${required.length} scalar fields without omitempty: ${required.slice(0, 12).join(' ')} ...`);
