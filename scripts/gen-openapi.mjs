// Generates src/api/openapi/model.gen.ts, the compact OpenAPI model of every kubernetes-types interface (dev time only).
//
// Usage: node scripts/gen-openapi.mjs   (npm run gen:openapi)
//
// Reads node_modules/kubernetes-types/**/*.d.ts with the TypeScript compiler API (syntax only) and turns every
// exported interface and type alias into a Swagger-style schema named as upstream names its definition
// (io.k8s.api.core.v1.Pod, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta, ...). Property types become
// string / integer / boolean / array / object-with-additionalProperties / {$ref: <definition name>} (refs carry the
// bare definition name; the runtime turns them into #/definitions/... or #/components/schemas/...). `number | string`
// is upstream's IntOrString. Literal `apiVersion`/`kind` property types give the x-kubernetes-group-version-kind of
// a definition. Integer formats and patch extensions are not here: src/api/openapi/extensions.ts adds them at
// runtime. The output is gzipped JSON embedded as base64 in a .ts module so that it works unchanged from src (vitest)
// and dist/src (after tsc).
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const typesDir = join(root, 'node_modules', 'kubernetes-types');
const outFile = join(root, 'src', 'api', 'openapi', 'model.gen.ts');

/** Upstream definition-name prefix of a kubernetes-types module path (without .d.ts). */
function packageOf(modulePath) {
  switch (modulePath) {
    case 'meta/v1':
      return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'api/resource':
      return 'io.k8s.apimachinery.pkg.api.resource';
    case 'runtime':
      return 'io.k8s.apimachinery.pkg.runtime';
    case 'version':
      return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default: {
      const m = /^([a-z0-9]+)\/(v[0-9a-z]+)$/.exec(modulePath);
      if (!m) throw new Error(`unknown kubernetes-types module ${modulePath}`);
      return `io.k8s.api.${m[1]}.${m[2]}`;
    }
  }
}

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Definitions whose JSON is free-form (no type in upstream's spec). */
const UNTYPED = new Set([
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray',
]);

/** String aliases with a format. */
const STRING_FORMATS = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 'date-time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': 'date-time',
};

function listModules(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listModules(p));
    else if (name.endsWith('.d.ts')) out.push(relative(typesDir, p).replace(/\\/g, '/').replace(/\.d\.ts$/, ''));
  }
  return out;
}

/** The doc comment text of a node, upstream-style (lines joined with \n, `* ` prefixes stripped). */
function docOf(node, text) {
  const ranges = ts.getLeadingCommentRanges(text, node.pos) ?? [];
  const last = ranges.filter((r) => text.startsWith('/**', r.pos)).pop();
  if (!last) return undefined;
  const body = text.slice(last.pos + 3, last.end - 2);
  const lines = body.split('\n').map((l) => {
    const t = l.replace(/^\s*\*( ?)/, '');
    return t === l ? l.trim() : t;
  });
  while (lines.length > 0 && lines[0].trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const s = lines.join('\n').replace(/[ \t]+$/gm, '');
  return s === '' ? undefined : s;
}

function propName(name) {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  throw new Error(`unsupported property name ${name.getText()}`);
}

const definitions = {};

for (const mod of listModules(typesDir)) {
  const file = join(typesDir, `${mod}.d.ts`);
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const pkg = packageOf(mod);
  /** identifier -> definition prefix of the module it is imported from */
  const imports = new Map();
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && st.importClause?.namedBindings && ts.isNamedImports(st.importClause.namedBindings)) {
      const from = join(dirname(mod), st.moduleSpecifier.text).replace(/\\/g, '/');
      for (const el of st.importClause.namedBindings.elements) imports.set(el.name.text, packageOf(from));
    }
  }
  const refName = (id) => `${imports.get(id) ?? pkg}.${id}`;

  /** Schema of a type node. */
  const schemaOf = (t) => {
    switch (t.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'integer' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.LiteralType:
        if (ts.isStringLiteral(t.literal)) return { type: 'string' };
        break;
      case ts.SyntaxKind.ArrayType:
        return { type: 'array', items: schemaOf(t.elementType) };
      case ts.SyntaxKind.TypeReference: {
        const id = t.typeName.getText(sf);
        if (id === 'Array' && t.typeArguments?.length === 1) return { type: 'array', items: schemaOf(t.typeArguments[0]) };
        return { $ref: refName(id) };
      }
      case ts.SyntaxKind.TypeLiteral: {
        const idx = t.members.find((m) => ts.isIndexSignatureDeclaration(m));
        if (idx && t.members.length === 1) return { type: 'object', additionalProperties: schemaOf(idx.type) };
        break;
      }
      case ts.SyntaxKind.UnionType: {
        const kinds = t.types.map((x) => x.kind).sort();
        if (kinds.length === 2 && kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword)) {
          return { $ref: INT_OR_STRING };
        }
        break;
      }
    }
    throw new Error(`${mod}: unsupported type ${t.getText(sf)}`);
  };

  for (const st of sf.statements) {
    if (ts.isInterfaceDeclaration(st)) {
      const name = `${pkg}.${st.name.text}`;
      const def = {};
      const description = docOf(st, text);
      if (description) def.description = description;
      const properties = {};
      const required = [];
      let apiVersion;
      let kind;
      for (const m of st.members) {
        if (!ts.isPropertySignature(m) || !m.type) throw new Error(`${name}: unsupported member ${m.getText(sf)}`);
        const p = propName(m.name);
        const s = schemaOf(m.type);
        const d = docOf(m, text);
        properties[p] = d ? { description: d, ...s } : s;
        if (!m.questionToken) required.push(p);
        if (ts.isLiteralTypeNode(m.type) && ts.isStringLiteral(m.type.literal)) {
          if (p === 'apiVersion') apiVersion = m.type.literal.text;
          if (p === 'kind') kind = m.type.literal.text;
        }
      }
      if (UNTYPED.has(name)) {
        definitions[name] = def;
        continue;
      }
      def.type = 'object';
      if (Object.keys(properties).length > 0) def.properties = properties;
      if (required.length > 0) def.required = required.sort();
      if (apiVersion !== undefined && kind !== undefined) {
        const slash = apiVersion.indexOf('/');
        def['x-kubernetes-group-version-kind'] = [
          slash < 0
            ? { group: '', kind, version: apiVersion }
            : { group: apiVersion.slice(0, slash), kind, version: apiVersion.slice(slash + 1) },
        ];
      }
      definitions[name] = def;
    } else if (ts.isTypeAliasDeclaration(st)) {
      const name = `${pkg}.${st.name.text}`;
      const def = {};
      const description = docOf(st, text);
      if (description) def.description = description;
      if (!UNTYPED.has(name)) {
        if (st.type.kind !== ts.SyntaxKind.StringKeyword) throw new Error(`${name}: unsupported alias ${st.type.getText(sf)}`);
        def.type = 'string';
        if (STRING_FORMATS[name]) def.format = STRING_FORMATS[name];
      }
      definitions[name] = def;
    }
  }
}

definitions[INT_OR_STRING] = {
  description:
    'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
  type: 'string',
  format: 'int-or-string',
};

const sorted = Object.fromEntries(Object.keys(definitions).sort().map((k) => [k, definitions[k]]));
const json = JSON.stringify({ definitions: sorted });
const b64 = gzipSync(Buffer.from(json), { level: 9 }).toString('base64');
const chunks = b64.match(/.{1,120}/g) ?? [];
const out =
  `// Generated by scripts/gen-openapi.mjs from kubernetes-types; do not edit. Gzipped JSON OpenAPI model, base64.\n\n` +
  `/** Base64 of the gzipped JSON \`{definitions: {<upstream name>: <schema with bare-name $refs>}}\`. */\n` +
  `export const MODEL_GZIP_BASE64: string = [\n` +
  chunks.map((c) => `  '${c}',\n`).join('') +
  `].join('');\n`;
writeFileSync(outFile, out);
console.log(`${Object.keys(sorted).length} definitions, ${json.length} bytes JSON, ${b64.length} bytes base64 -> ${relative(root, outFile)}`);
