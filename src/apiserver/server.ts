// The kube-apiserver: TLS (HTTP/2 and HTTP/1.1), authn -> authz -> admission -> validation -> registry, discovery, OpenAPI, health.
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import {
  StatusError,
  badRequest,
  field,
  forbidden,
  internalError,
  invalid,
  notFound,
  timeout,
  tooManyRequests,
  toStatusError,
  unauthorized,
  type PatchSchema,
} from '../apimachinery/index.js';
import {
  AGGREGATED_DISCOVERY_V2_CONTENT_TYPE,
  RESOURCES,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  applyDefaults,
  canConvert,
  convertObject,
  lookupKind,
  lookupResource,
  nameValidatorFor,
  openApiV2,
  openApiV2Protobuf,
  openApiV3Body,
  openApiV3Hash,
  openApiV3Root,
  patchSchemaFor,
  unknownFields,
  typeMismatch,
  type ResourceInfo,
} from '../api/index.js';
import { parseDuration } from '../api/protobuf/index.js';
import { openBackend, type Backend } from '../storage/index.js';
import { CONTROL_PLANE_IDENTITIES, ensureClusterPki, ensureComponentCredentials, firstServiceIp, writeAdminKubeconfig, type ClusterPki, type ComponentCredentials, type ComponentIdentity } from '../pki/index.js';
import { buildInfo } from '../version/index.js';
import { parseRequestInfo, type RequestInfo } from './requestinfo.js';
import { ResourceStore, nowTime, setNameValidator, type Obj } from './registry.js';
import { defaultHooks } from './hooks.js';
import { handleResource, splitApiVersion, type RequestContext } from './handlers.js';
import { parseAccept, sendJson, sendStatus, type Req, type Res } from './http.js';
import { alwaysAllow, authenticate, x509Authenticator, type AuthorizationAttributes, type Authenticator, type Authorizer, type UserInfo } from './authn.js';
import type { ReviewDecision, ReviewDeps } from './reviews.js';
import type { AdmissionPlugin, AdmissionRequest } from './access.js';
import { StoreObjects } from './objects.js';
import { identityTransformer, loadEncryptionConfig, transformerFor } from './encryption/index.js';
import { HEADER_AUDIT_ID, DECISION_ANNOTATION_KEY, DECISION_ALLOW, DECISION_FORBID, REASON_ANNOTATION_KEY, PolicyEvaluator, loadPolicyFile, newRequestAudit, openAuditLog, type AuditLogBackend, type RequestAudit } from './audit/index.js';
import { admissionPluginNames, buildSecurity } from './security.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, TokenIssuer, distinctHeaders, impersonate, isImpersonating } from './authn/index.js';
import { recomputeNamespaceQuotas, resourceQuotaPlugin } from './admission/resourcequota.js';
import { parseObjectCountName } from './admission/quota/evaluators.js';
import {
  DEBUG_RESPONSE_HEADERS,
  DUMP_PRIORITY_LEVELS_PATH,
  DUMP_QUEUES_PATH,
  DUMP_REQUESTS_PATH,
  FLOW_SCHEMA_UID_HEADER,
  FlowControl,
  FlowControlRejection,
  INCLUDE_REQUEST_DETAILS_PARAM,
  MaxInflight,
  PRIORITY_LEVEL_UID_HEADER,
  bootstrapObjects as flowControlBootstrap,
  dumpPriorityLevels,
  dumpQueues,
  dumpRequests,
  DroppedRequests,
} from './flowcontrol/index.js';
import { aggregationUpdate, bootstrapPolicy, needsRecreate, rbacAuthorizer, rbacEscalationPlugin, reconcile, rulesFor, type RbacAuthorizer } from './rbac/index.js';
import { AllocationError, NodePortAllocator, ServiceIpAllocator, parsePortRange } from './allocator.js';

/** Options of the apiserver; defaults in brackets. Flags of `kubets apiserver` map one to one. */
export interface ApiServerOptions {
  /** Data directory: PKI under `tls/`, the embedded store under `db/`, `admin.kubeconfig` [/var/lib/kubets]. */
  dataDir: string;
  /** HTTPS port; 0 picks a free one [6443]. */
  httpsPort?: number;
  /** Address to listen on [127.0.0.1]. */
  bindAddress?: string;
  /** `sqlite` (embedded) or `etcd` [sqlite]. */
  storage?: 'sqlite' | 'etcd';
  /** etcd client URLs for `storage: etcd`. */
  etcdServers?: string[];
  /** Key prefix inside etcd [/registry]. */
  etcdPrefix?: string;
  /** Service ClusterIP range [10.96.0.0/16]. */
  serviceClusterIpRange?: string;
  /** NodePort range [30000-32767]. */
  serviceNodePortRange?: string;
  /** Non-watch requests that take longer fail with 504 [60000 ms]. */
  requestTimeoutMs?: number;
  /** Use this store instead of opening one (tests). */
  backend?: Backend;
  /** Extra authenticators tried after x509 (issue 4). */
  authenticators?: Authenticator[];
  /** Authorizer [allow all authenticated]; `authorizers` (asked in order) wins when both are given. */
  authorizer?: Authorizer;
  /** Authorizers asked in order after the privileged-group check (issue 4: Node, RBAC). */
  authorizers?: Authorizer[];
  /** Log lines go here [stderr]. */
  log?: (line: string) => void;
  /**
   * Authentication, authorization, admission, encryption, audit and flow control (issue 4). Absent: the
   * development setup of the tests that predate it (client certificates only, every authenticated user allowed).
   */
  security?: SecurityOptions;
}

/** The security chain's settings, one per kube-apiserver flag of the same name; defaults in brackets. */
export interface SecurityOptions {
  /** Serve unauthenticated requests as system:anonymous [false: 401]. */
  anonymousAuth?: boolean;
  /** Static bearer tokens file (CSV). */
  tokenAuthFile?: string;
  /** Authorizers in order: Node, RBAC, AlwaysAllow [Node, RBAC]. */
  authorizationModes?: string[];
  /** Admission plugins enabled besides the defaults, and defaults disabled. */
  enableAdmissionPlugins?: string[];
  disableAdmissionPlugins?: string[];
  /** `iss` of service-account tokens [https://kubernetes.default.svc.cluster.local]. */
  serviceAccountIssuer?: string;
  /** Audiences the API accepts [the issuer]. */
  apiAudiences?: string[];
  /** EncryptionConfiguration file. */
  encryptionProviderConfig?: string;
  auditLogPath?: string;
  auditPolicyFile?: string;
  auditLogMaxAge?: number;
  auditLogMaxBackup?: number;
  auditLogMaxSize?: number;
  /** Read-only / mutating requests in flight [400 / 200]; with APF, their sum is the server's concurrency. */
  maxRequestsInflight?: number;
  maxMutatingRequestsInflight?: number;
  /** API Priority and Fairness [true]. */
  enablePriorityAndFairness?: boolean;
}

/** One admission request as the handlers describe it; the server turns it into an `AdmissionRequest`. */
export interface AdmissionAttributes {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  ctx: RequestContext;
  obj: Obj;
  old?: Obj;
  dryRun: boolean;
}

/** Namespaces that exist from the start and cannot be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * How long a quota charge counts as in flight when its request never reports its end (a request the charging
 * code cannot follow): past this the recount no longer waits for it. Requests time out after 60 s.
 */
const QUOTA_CHARGE_MAX_MS = 120_000;
const STREAM_WINDOW = 256 * 1024;
const FC_GROUP = 'flowcontrol.apiserver.k8s.io';
/** The description upstream's root-ca-cert-publisher puts on kube-root-ca.crt. */
const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
const CONNECTION_WINDOW = 16 * 1024 * 1024;

/**
 * A running apiserver. `start()` opens the store, ensures PKI, bootstraps system objects and listens;
 * `stop()` stops accepting, lets in-flight writes finish (up to 10 s), ends watches, closes the store.
 */
export class ApiServer {
  readonly opts: Required<Pick<ApiServerOptions, 'dataDir' | 'httpsPort' | 'bindAddress' | 'storage' | 'serviceClusterIpRange' | 'serviceNodePortRange' | 'requestTimeoutMs'>> & ApiServerOptions;
  backend!: Backend;
  pki!: ClusterPki;
  private server: http2.Http2SecureServer | undefined;
  private readonly stores = new Map<string, ResourceStore>();
  private readonly watches = new Set<() => void>();
  private inflight = 0;
  private inflightDone: (() => void) | undefined;
  private ready = false;
  private stopping = false;
  serviceIps!: ServiceIpAllocator;
  nodePorts!: NodePortAllocator;
  port = 0;
  /** The admission chain in order (mutating `admit`s run first, then validating `validate`s). */
  readonly admission: AdmissionPlugin[] = [];
  private authenticators: Authenticator[];
  private authorizers: Authorizer[];
  /** Reads from the watch caches, trusted writes through the registry (authorizers and admission use it). */
  readonly objects = new StoreObjects((g, r) => this.stores.get(`${g}/${r}`), (st, o) => this.hooks.applyDefaults(st.info, o));
  /** Signs service-account tokens (TokenRequest); set when the security chain is on. */
  tokenIssuer: TokenIssuer | undefined;
  /** Audiences the API accepts in tokens (the default audiences of a TokenRequest). */
  apiAudiences: string[] = [];
  private quotaTimers = new Map<string, NodeJS.Timeout>();
  /**
   * Quota charges in flight per namespace: charged by admission, their request not finished yet (see
   * quotaChanged). Each entry holds when the charge expires if its request never reports its end.
   */
  private readonly pendingQuotaCharges = new Map<string, Set<{ until: number }>>();
  /** Resources charged per namespace since its last recount (their watch caches must be fresh for the recount). */
  private readonly chargedSinceRecount = new Map<string, Map<string, { group: string; resource: string }>>();
  /** RBAC over the watch caches (its rule resolver answers SelfSubjectRulesReviews too). */
  readonly rbac: RbacAuthorizer = rbacAuthorizer(this.objects);
  private reconcileTimer: NodeJS.Timeout | undefined;
  /** API Priority and Fairness (when on), else the max-inflight limits (when security is on). */
  flow: FlowControl | undefined;
  private maxInflight: MaxInflight | undefined;
  private readonly dropped = new Map<string, DroppedRequests>();
  /** Audit logging (`--audit-log-path` with `--audit-policy-file`). */
  private audit: { policy: PolicyEvaluator; log: AuditLogBackend } | undefined;
  /** The audit record of each request in flight (handlers add request and response objects to it). */
  readonly audits = new WeakMap<object, RequestAudit>();
  /** What the review APIs (SubjectAccessReview, TokenReview, ...) ask of the server. */
  reviews: ReviewDeps;
  private readonly log: (line: string) => void;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private identities: ComponentIdentity[] = [];
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();

  /** Scheme hooks the handlers call. */
  readonly hooks = {
    applyDefaults: (info: ResourceInfo, obj: Obj) => applyDefaults(info.storage!.group, info.storage!.kind, obj),
    unknownFields: (group: string, version: string, kind: string, obj: Obj): string[] => {
      try {
        return unknownFields(group, version, kind, obj);
      } catch {
        return [];
      }
    },
    patchSchema: (group: string, version: string, kind: string): PatchSchema | undefined => patchSchemaFor(group, version, kind),
    /** 400 when a value has the wrong JSON type for its field, in the words of Go's json decoder. */
    checkTypes: (group: string, version: string, kind: string, obj: Obj): void => {
      const m = typeMismatch(group, version, kind, obj);
      if (!m) return;
      const got = m.got === 'bool' ? 'bool' : m.got === 'object' ? 'object' : m.got;
      throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${got} into Go struct field ${m.path} of type ${m.want}`);
    },
  };

  constructor(opts: ApiServerOptions) {
    this.opts = {
      httpsPort: 6443,
      bindAddress: '127.0.0.1',
      storage: 'sqlite',
      serviceClusterIpRange: '10.96.0.0/16',
      serviceNodePortRange: '30000-32767',
      requestTimeoutMs: 60_000,
      ...opts,
    };
    this.authenticators = [x509Authenticator, ...(opts.authenticators ?? [])];
    this.authorizers = opts.authorizers ?? [opts.authorizer ?? alwaysAllow];
    this.reviews = {
      authorize: (attrs) => this.authorize(attrs),
      rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: true }),
      authenticateToken: async () => undefined,
    };
    this.log = opts.log ?? ((l) => process.stderr.write(l + '\n'));
    this.admission.push(namespaceLifecycle(this));
    setNameValidator((g, k) => nameValidatorFor(g, k));
  }

  /** The URL clients use. */
  get url(): string {
    const host = this.opts.bindAddress === '0.0.0.0' || this.opts.bindAddress === '::' ? '127.0.0.1' : this.opts.bindAddress;
    return `https://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /** Opens the store, ensures the PKI, bootstraps and listens. Resolves once the API answers. */
  async start(): Promise<void> {
    parsePortRange(this.opts.serviceNodePortRange);
    firstServiceIp(this.opts.serviceClusterIpRange);
    this.pki = await ensureClusterPki(this.opts.dataDir, { serviceClusterIpRange: this.opts.serviceClusterIpRange });
    this.backend =
      this.opts.backend ??
      (await openBackend({
        storage: this.opts.storage,
        dataDir: this.opts.dataDir,
        ...(this.opts.etcdServers ? { etcdServers: this.opts.etcdServers } : {}),
        ...(this.opts.etcdPrefix ? { etcdPrefix: this.opts.etcdPrefix } : {}),
      }));
    this.serviceIps = new ServiceIpAllocator(this.backend, this.opts.serviceClusterIpRange.split(',')[0]!.trim());
    const pr = parsePortRange(this.opts.serviceNodePortRange);
    this.nodePorts = new NodePortAllocator(this.backend, pr.base, pr.size);
    // Encryption at rest: values of the configured resources go through their providers (read before any cache
    // loads, so a wrong key fails the start rather than a later read).
    const encryption = this.opts.security?.encryptionProviderConfig ? loadEncryptionConfig(this.opts.security.encryptionProviderConfig) : undefined;
    for (const info of RESOURCES) {
      if (!info.storage) continue;
      const st = new ResourceStore(this.backend, info, defaultHooks);
      if (encryption) {
        const storageResource = lookupKind(info.storage.group, info.storage.kind, info.storage.version)?.resource ?? info.resource;
        const t = transformerFor(encryption, info.storage.group, storageResource);
        if (t !== identityTransformer) st.transformer = t;
      }
      // Resources sharing storage (core and events.k8s.io events) share one watch cache.
      const shared = [...this.stores.values()].find((s) => s.prefix === st.prefix);
      if (shared) (st as { cache: unknown }).cache = shared.cache;
      this.stores.set(`${info.group}/${info.resource}`, st);
    }
    await this.listen();
    await this.bootstrap();
    // Every resource's watch cache starts now (one store watch each), as kube-apiserver's do: admission reads
    // namespaces from memory and the first list or watch does not wait for a relist.
    await Promise.all([...new Set([...this.stores.values()].map((s) => s.cache))].map((c) => c.start()));
    if (this.opts.security) await this.enableSecurity(this.opts.security);
    this.ready = true;
  }

  private listen(): Promise<void> {
    const server = http2.createSecureServer(
      {
        allowHTTP1: true,
        // The chain (serving certificate, then the CA) lets a joining agent learn the CA from the handshake and
        // check it against its join token's CA hash before sending the token.
        cert: servingChain(this.pki),
        key: this.pki.serving.keyPem,
        ca: this.pki.clientCa.certPem,
        requestCert: true,
        rejectUnauthorized: false,
        // As kube-apiserver: 256 KiB of upload window per stream (its 99th percentile request body), and the
        // connection window sized for many streams, so large bodies do not crawl in 64 KiB steps.
        settings: { maxConcurrentStreams: 1000, initialWindowSize: STREAM_WINDOW },
        // MiB a connection may hold in flight before nghttp2 refuses new streams (default 10): with the windows
        // above, one busy client connection (a controller, the load benchmark) would otherwise see its streams
        // reset under load instead of being served late.
        maxSessionMemory: 64,
      },
      (req, res) => void this.handle(req, res),
    );
    server.on('session', (s) => {
      try {
        s.setLocalWindowSize(CONNECTION_WINDOW);
      } catch {
        // the session closed before its settings were exchanged
      }
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
    });
    server.on('secureConnection', (sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    server.on('tlsClientError', () => {});
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.httpsPort, this.opts.bindAddress, () => {
        server.off('error', reject);
        const a = server.address();
        this.port = typeof a === 'object' && a ? a.port : this.opts.httpsPort;
        resolve();
      });
    });
  }

  /** Builds the issue-4 chain (authn, authz, admission) from `sec`; see `buildSecurity`. */
  private async enableSecurity(sec: SecurityOptions): Promise<void> {
    if (sec.auditLogPath) {
      if (!sec.auditPolicyFile) this.log('apiserver: --audit-log-path without --audit-policy-file: no audit events will be recorded');
      else {
        const policy = new PolicyEvaluator(loadPolicyFile(sec.auditPolicyFile));
        const log = openAuditLog({ path: sec.auditLogPath, maxAge: sec.auditLogMaxAge ?? 0, maxBackups: sec.auditLogMaxBackup ?? 0, maxSize: sec.auditLogMaxSize ?? 0, onError: (e: unknown) => this.log(`apiserver: audit log: ${e instanceof Error ? e.message : String(e)}`) } as never);
        this.audit = { policy, log };
      }
    }
    const chain = await buildSecurity({
      dataDir: this.opts.dataDir,
      objects: this.objects,
      anonymousAuth: sec.anonymousAuth ?? false,
      ...(sec.tokenAuthFile ? { tokenAuthFile: sec.tokenAuthFile } : {}),
      authorizationModes: sec.authorizationModes ?? ['Node', 'RBAC'],
      admissionPlugins: admissionPluginNames(sec.enableAdmissionPlugins, sec.disableAdmissionPlugins),
      serviceAccountIssuer: sec.serviceAccountIssuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER,
      apiAudiences: sec.apiAudiences ?? [],
      serverPlugins: { NamespaceLifecycle: namespaceLifecycle(this), ResourceQuota: resourceQuotaPlugin(this.objects, { onCharge: (ns, g, r) => this.quotaCharged(ns, g, r) }) },
      serverAuthorizers: { RBAC: this.rbac },
      authorize: (a) => this.authorize(a),
    });
    this.authenticators = [x509Authenticator, ...chain.authenticators];
    this.authorizers = chain.authorizers;
    // RBAC's escalation checks run as upstream's RBAC storage does, after the other validating plugins and
    // before quota is charged.
    const escalation = rbacEscalationPlugin(this.objects, { authorize: (a) => this.authorize(a) }, this.rbac.resolver);
    const quotaAt = chain.admission.findIndex((p) => p.name === 'ResourceQuota');
    if (quotaAt < 0) chain.admission.push(escalation);
    else chain.admission.splice(quotaAt, 0, escalation);
    this.admission.splice(0, this.admission.length, ...chain.admission);
    this.tokenIssuer = chain.tokenIssuer;
    this.apiAudiences = sec.apiAudiences?.length ? [...sec.apiAudiences] : [sec.serviceAccountIssuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER];
    this.reviews = {
      ...this.reviews,
      authenticateToken: (t, a) => chain.reviewToken(t, a),
      rulesFor: (user, ns) => rulesFor(this.rbac.resolver, user, ns),
    };
    await this.reconcileBootstrapPolicy();
    await this.aggregateClusterRoles();
    await this.ensureNamespaceDefaults();
    const maxRead = sec.maxRequestsInflight ?? 400;
    const maxMutating = sec.maxMutatingRequestsInflight ?? 200;
    if (sec.enablePriorityAndFairness ?? true) {
      await this.ensureFlowControlObjects();
      this.flow = new FlowControl(this.objects.list(FC_GROUP, 'flowschemas') as never, this.objects.list(FC_GROUP, 'prioritylevelconfigurations') as never, {
        serverConcurrencyLimit: maxRead + maxMutating,
      });
    } else {
      this.maxInflight = new MaxInflight({ maxRequestsInflight: maxRead, maxMutatingRequestsInflight: maxMutating });
    }
    this.startReconcilers();
  }

  /**
   * Upstream's startup reconcile of the bootstrap RBAC policy: missing roles and bindings are created, missing
   * rules and subjects added back (unless annotated `rbac.authorization.kubernetes.io/autoupdate: "false"`),
   * nothing users added is removed; a binding whose roleRef changed is recreated.
   */
  async reconcileBootstrapPolicy(): Promise<number> {
    const g = 'rbac.authorization.k8s.io';
    const policy = bootstrapPolicy();
    let changed = 0;
    const apply = async (resource: string, wanted: Obj) => {
      const ns = wanted.metadata.namespace ?? '';
      const name = wanted.metadata.name;
      const existing = this.objects.get(g, resource, ns, name);
      const next = reconcile(existing, wanted);
      if (!next) return;
      changed++;
      if (!existing) await this.objects.create(g, resource, next).catch((e) => this.ignoreExists(e));
      else if (needsRecreate(existing, wanted)) {
        await this.objects.delete(g, resource, ns, name);
        await this.objects.create(g, resource, next).catch((e) => this.ignoreExists(e));
      } else await this.objects.update(g, resource, ns, name, (cur) => reconcile(cur, wanted));
    };
    for (const o of policy.clusterRoles) await apply('clusterroles', o);
    for (const o of policy.clusterRoleBindings) await apply('clusterrolebindings', o);
    for (const o of policy.roles) await apply('roles', o);
    for (const o of policy.roleBindings) await apply('rolebindings', o);
    return changed;
  }

  private ignoreExists(e: unknown): void {
    if (e instanceof StatusError && e.code === 409) return;
    throw e;
  }

  /**
   * The serviceaccount and root-ca-cert-publisher controllers' pass: every active namespace gets a `default`
   * ServiceAccount and a `kube-root-ca.crt` ConfigMap holding the cluster CA (kept current).
   */
  async ensureNamespaceDefaults(): Promise<void> {
    const ca = this.pki.ca.certPem;
    for (const ns of this.objects.list('', 'namespaces')) {
      if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') continue;
      const name = ns.metadata.name as string;
      if (!this.objects.get('', 'serviceaccounts', name, 'default')) {
        await this.objects.create('', 'serviceaccounts', { metadata: { name: 'default', namespace: name } }).catch((e) => this.ignoreExists(e));
      }
      const cm = this.objects.get('', 'configmaps', name, 'kube-root-ca.crt');
      if (!cm) {
        await this.objects
          .create('', 'configmaps', { metadata: { name: 'kube-root-ca.crt', namespace: name, annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } }, data: { 'ca.crt': ca } })
          .catch((e) => this.ignoreExists(e));
      } else if (cm.data?.['ca.crt'] !== ca) {
        await this.objects.update('', 'configmaps', name, 'kube-root-ca.crt', (cur) => ({ ...cur, data: { ...(cur.data ?? {}), 'ca.crt': ca } }));
      }
    }
  }

  /**
   * Upstream's APF configuration bootstrap: the mandatory and suggested FlowSchemas and PriorityLevelConfigurations
   * are created when missing, and those annotated `apf.kubernetes.io/autoupdate-spec: "true"` get their spec put
   * back when it drifted.
   */
  async ensureFlowControlObjects(): Promise<void> {
    const { flowSchemas, priorityLevelConfigurations } = flowControlBootstrap();
    const put = async (resource: string, wanted: Obj) => {
      const cur = this.objects.get(FC_GROUP, resource, '', wanted.metadata.name);
      if (!cur) {
        await this.objects.create(FC_GROUP, resource, wanted).catch((e) => this.ignoreExists(e));
        return;
      }
      if (cur.metadata?.annotations?.['apf.kubernetes.io/autoupdate-spec'] !== 'true') return;
      if (JSON.stringify(cur.spec) === JSON.stringify(wanted.spec)) return;
      await this.objects.update(FC_GROUP, resource, '', wanted.metadata.name, (c) => ({ ...c, spec: structuredClone(wanted.spec) }));
    };
    for (const o of priorityLevelConfigurations) await put('prioritylevelconfigurations', o as Obj);
    for (const o of flowSchemas) await put('flowschemas', o as Obj);
  }

  /**
   * As upstream's APF config controller: every FlowSchema's `Dangling` condition says whether its priority level
   * exists (`kubectl get flowschema` shows it as MISSINGPL).
   */
  private async markDanglingFlowSchemas(): Promise<void> {
    const levels = new Set(this.objects.list(FC_GROUP, 'prioritylevelconfigurations').map((o) => o.metadata.name as string));
    for (const fs of this.objects.list(FC_GROUP, 'flowschemas')) {
      const pl = fs.spec?.priorityLevelConfiguration?.name ?? '';
      const dangling = !levels.has(pl);
      const cond = (fs.status?.conditions ?? []).find((c: Obj) => c.type === 'Dangling');
      if (cond && cond.status === (dangling ? 'True' : 'False')) continue;
      const next = {
        type: 'Dangling',
        status: dangling ? 'True' : 'False',
        lastTransitionTime: nowTime(),
        reason: dangling ? 'NotFound' : 'Found',
        message: dangling
          ? `This FlowSchema references the PriorityLevelConfiguration object named "${pl}" but there is no such object`
          : `This FlowSchema references the PriorityLevelConfiguration object named "${pl}" and it exists`,
      };
      await this.objects
        .update(FC_GROUP, 'flowschemas', '', fs.metadata.name, (cur) => ({ ...cur, status: { ...(cur.status ?? {}), conditions: [...(cur.status?.conditions ?? []).filter((c: Obj) => c.type !== 'Dangling'), next] } }), 'status')
        .catch(() => {});
    }
  }

  /**
   * Starts the audit record of one request (RequestReceived now, ResponseStarted for long-running requests once
   * they answer, ResponseComplete when the response ends) with the authorization decision as annotations.
   */
  private startAudit(req: Req, res: Res, attrs: AuthorizationAttributes, allowed: boolean, reason: string | undefined): void {
    const a = this.audit!;
    // As upstream (audit runs before impersonation): the event's user and the policy's subject are the real user;
    // an impersonated one goes to impersonatedUser.
    const real = (req as { kubetsRealUser?: UserInfo }).kubetsRealUser;
    const auditAttrs = real ? { ...attrs, user: real } : attrs;
    const ra = newRequestAudit(req, auditAttrs, a.policy.evaluate(auditAttrs));
    if (!ra.enabled) return;
    this.audits.set(req, ra);
    if (real) ra.logImpersonatedUser(attrs.user);
    ra.annotate(DECISION_ANNOTATION_KEY, allowed ? DECISION_ALLOW : DECISION_FORBID);
    if (reason) ra.annotate(REASON_ANNOTATION_KEY, reason);
    if (!res.headersSent) res.setHeader(HEADER_AUDIT_ID, ra.auditID);
    ra.emit('RequestReceived', a.log);
    const long = attrs.verb === 'watch';
    if (long) {
      const started = () => {
        ra.setResponseCode(res.statusCode);
        ra.emit('ResponseStarted', a.log);
      };
      const rawWriteHead = res.writeHead.bind(res) as (...args: unknown[]) => unknown;
      (res as { writeHead: (...args: unknown[]) => unknown }).writeHead = (...args: unknown[]) => {
        const r = rawWriteHead(...args);
        started();
        return r;
      };
    }
    // ResponseComplete once the handler has ended the response (as upstream, when the handler returns), or when
    // the connection went away first.
    let done = false;
    const complete = () => {
      if (done) return;
      done = true;
      ra.setResponseCode(res.statusCode);
      ra.emit('ResponseComplete', a.log);
    };
    const rawEnd = res.end.bind(res) as (...args: unknown[]) => unknown;
    (res as { end: (...args: unknown[]) => unknown }).end = (...args: unknown[]) => {
      const r = rawEnd(...args);
      complete();
      return r;
    };
    res.once('close', complete);
  }

  /**
   * Admits one request through API Priority and Fairness (or max-inflight): may wait in its flow's queue, throws a
   * 429 when rejected. Sets the `X-Kubernetes-PF-*` headers. Returns the release to call when the request is done
   * (watches release their seat once admitted).
   */
  private async admitFlow(info: RequestInfo, user: UserInfo, path: string, longRunning: boolean, res: Res): Promise<() => void> {
    if (this.maxInflight) return this.maxInflight.admit({ verb: info.verb, user, longRunning });
    if (!this.flow) return () => {};
    try {
      const a = await this.flow.admit({
        user,
        verb: info.verb,
        isResourceRequest: info.isResourceRequest,
        apiGroup: info.apiGroup,
        apiVersion: info.apiVersion,
        resource: info.resource,
        subresource: info.subresource,
        namespace: info.namespace,
        name: info.name,
        path,
        longRunning,
        timeoutMs: this.opts.requestTimeoutMs,
      });
      if (!res.headersSent) {
        res.setHeader(FLOW_SCHEMA_UID_HEADER, a.flowSchema.uid);
        res.setHeader(PRIORITY_LEVEL_UID_HEADER, a.priorityLevel.uid);
      }
      if (longRunning) {
        a.release();
        return () => {};
      }
      return () => a.release();
    } catch (e) {
      if (e instanceof FlowControlRejection && !res.headersSent) {
        if (e.flowSchema) res.setHeader(FLOW_SCHEMA_UID_HEADER, e.flowSchema.uid);
        if (e.priorityLevel) res.setHeader(PRIORITY_LEVEL_UID_HEADER, e.priorityLevel.uid);
        // Retry-After grows while the level keeps rejecting (upstream's dropped-requests tracker).
        const level = e.priorityLevel?.name ?? '';
        let tracker = this.dropped.get(level);
        if (!tracker) this.dropped.set(level, (tracker = new DroppedRequests()));
        const after = tracker.record(Math.floor(Date.now() / 1000));
        res.setHeader('Retry-After', String(after));
        throw tooManyRequests(e.message, after);
      }
      throw e;
    }
  }

  /** The clusterrole-aggregation controller's pass: writes the union of matching roles' rules into every aggregated ClusterRole. */
  async aggregateClusterRoles(): Promise<void> {
    const g = 'rbac.authorization.k8s.io';
    const all = this.objects.list(g, 'clusterroles');
    for (const role of all) {
      if (!role.aggregationRule) continue;
      const rules = aggregationUpdate(role, all);
      if (!rules) continue;
      await this.objects.update(g, 'clusterroles', '', role.metadata.name, (cur) => {
        const r = aggregationUpdate(cur, this.objects.list(g, 'clusterroles'));
        return r ? { ...cur, rules: r } : undefined;
      });
    }
  }

  /**
   * Background passes the controller-manager will own later (issue 6), run here every 250 ms when what they read
   * changed: the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap in every namespace (the
   * serviceaccount and root-ca-cert-publisher controllers), ClusterRole aggregation, and ResourceQuota usage of
   * namespaces whose counted objects changed.
   */
  private startReconcilers(): void {
    let roles: unknown;
    let namespaces: unknown;
    let flowSchemas: unknown;
    let levels: unknown;
    const seen = new Map<string, unknown[]>();
    let running = false;
    const tick = async () => {
      if (running || this.stopping) return;
      running = true;
      try {
        const nss = this.objects.list('', 'namespaces');
        if (nss !== namespaces) {
          namespaces = nss;
          await this.ensureNamespaceDefaults();
        }
        if (this.flow) {
          const fs = this.objects.list(FC_GROUP, 'flowschemas');
          const pl = this.objects.list(FC_GROUP, 'prioritylevelconfigurations');
          if (fs !== flowSchemas || pl !== levels) {
            flowSchemas = fs;
            levels = pl;
            this.flow.reload(fs as never, pl as never);
            await this.markDanglingFlowSchemas();
          }
        }
        const r = this.objects.list('rbac.authorization.k8s.io', 'clusterroles');
        if (r !== roles) {
          roles = r;
          await this.aggregateClusterRoles();
        }
        for (const q of this.objects.list('', 'resourcequotas')) {
          const ns = q.metadata.namespace as string;
          const deps: unknown[] = [this.objects.list('', 'resourcequotas', ns)];
          for (const res of ['pods', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'replicationcontrollers']) deps.push(this.objects.list('', res, ns));
          for (const name of Object.keys(q.spec?.hard ?? {})) {
            const c = parseObjectCountName(name);
            if (c) deps.push(this.objects.list(c.group, c.resource, ns));
          }
          const prev = seen.get(ns);
          if (prev && prev.length === deps.length && prev.every((d, i) => d === deps[i])) continue;
          seen.set(ns, deps);
          this.quotaChanged(ns);
        }
      } catch (e) {
        this.log(`apiserver: reconcile: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        running = false;
      }
    };
    this.reconcileTimer = setInterval(() => void tick(), 250);
    this.reconcileTimer.unref();
  }

  /**
   * Recomputes `status.used` of the namespace's ResourceQuotas soon (debounced 100 ms per namespace): after a
   * quota is written, or after objects that count against quotas went away or stopped counting. Admission charges
   * creates itself; this gives usage back.
   */
  quotaChanged(namespace: string): void {
    if (!namespace || !this.opts.security || this.quotaTimers.has(namespace)) return;
    const t = setTimeout(() => {
      this.quotaTimers.delete(namespace);
      // Charged requests whose objects are not stored yet: a recount now would miss them and give their usage
      // back (letting concurrent creates overshoot the hard limit). Wait until none is in flight.
      const pending = this.pendingQuotaCharges.get(namespace);
      if (pending) {
        const now = Date.now();
        for (const c of pending) if (c.until <= now) pending.delete(c);
        if (pending.size > 0) {
          this.quotaChanged(namespace);
          return;
        }
        this.pendingQuotaCharges.delete(namespace);
      }
      const charged = [...(this.chargedSinceRecount.get(namespace)?.values() ?? [])];
      this.chargedSinceRecount.delete(namespace);
      void (async () => {
        // The finished writes must be in the watch caches the recount reads.
        if (charged.length > 0) {
          const rev = await this.backend.currentRevision();
          for (const c of charged) await this.stores.get(`${c.group}/${c.resource}`)?.cache.waitFresh(rev);
        }
        await recomputeNamespaceQuotas(this.objects, namespace);
      })().catch((e) => this.log(`apiserver: quota usage of ${namespace}: ${e instanceof Error ? e.message : String(e)}`));
    }, 100);
    t.unref();
    this.quotaTimers.set(namespace, t);
  }

  /** Admission charged a quota of `namespace` for a write of `group/resource`: in flight until `done`. */
  private quotaCharged(namespace: string, group: string, resource: string): { done(): void } {
    const entry = { until: Date.now() + QUOTA_CHARGE_MAX_MS };
    let set = this.pendingQuotaCharges.get(namespace);
    if (!set) this.pendingQuotaCharges.set(namespace, (set = new Set()));
    set.add(entry);
    let byKey = this.chargedSinceRecount.get(namespace);
    if (!byKey) this.chargedSinceRecount.set(namespace, (byKey = new Map()));
    byKey.set(`${group}/${resource}`, { group, resource });
    return {
      done: () => {
        const s = this.pendingQuotaCharges.get(namespace);
        s?.delete(entry);
        if (s && s.size === 0) this.pendingQuotaCharges.delete(namespace);
      },
    };
  }

  /**
   * The authorizer chain, as upstream's union: members of `system:masters` are always allowed; then each
   * authorizer in order: the first Allow or Deny decides, NoOpinion asks the next; no one allowing is a denial
   * whose reason joins the authorizers' reasons.
   */
  async authorize(attrs: AuthorizationAttributes): Promise<ReviewDecision> {
    if (attrs.user.groups.includes('system:masters')) return { allowed: true };
    const reasons: string[] = [];
    for (const a of this.authorizers) {
      const d = await a.authorize(attrs);
      if (d.allowed) return { allowed: true, ...(d.reason ? { reason: d.reason } : {}) };
      if (d.reason) reasons.push(d.reason);
      if (d.denied) return { allowed: false, denied: true, reason: reasons.join('; ') };
    }
    return { allowed: false, ...(reasons.length ? { reason: reasons.join('; ') } : {}) };
  }

  /** The store of `group/resource`; throws if not served. */
  store(group: string, resource: string): ResourceStore {
    const s = this.stores.get(`${group}/${resource}`);
    if (!s) throw new Error(`no store for ${group}/${resource}`);
    return s;
  }

  async currentRevision(): Promise<number> {
    return this.backend.currentRevision();
  }

  async storageHealthy(): Promise<boolean> {
    try {
      await Promise.race([this.backend.currentRevision(), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000))]);
      return true;
    } catch {
      return false;
    }
  }

  trackWatch(end: () => void): void {
    this.watches.add(end);
  }

  untrackWatch(end: () => void): void {
    this.watches.delete(end);
  }

  // ------------------------------------------------------------------------------------------ conversion

  /** The stored object in the client's apiVersion (a copy when it changes; the cached object otherwise). */
  toExternal(obj: Obj, apiVersion: string, info: ResourceInfo): Obj {
    const storageVersion = info.storage!.group ? `${info.storage!.group}/${info.storage!.version}` : info.storage!.version;
    const kind = info.kind;
    if (apiVersion === storageVersion && obj.kind === kind && obj.apiVersion === apiVersion) return obj;
    if (apiVersion !== storageVersion && canConvert(storageVersion, apiVersion, info.storage!.kind)) {
      return convertObject({ ...obj, apiVersion: storageVersion }, storageVersion, apiVersion);
    }
    return { ...obj, apiVersion, kind };
  }

  /** A client object in the storage version. */
  toInternal(obj: Obj, apiVersion: string, info: ResourceInfo): Obj {
    const storageVersion = info.storage!.group ? `${info.storage!.group}/${info.storage!.version}` : info.storage!.version;
    if (apiVersion !== storageVersion && canConvert(apiVersion, storageVersion, info.kind)) {
      return convertObject({ ...obj, apiVersion }, apiVersion, storageVersion);
    }
    return { ...obj, apiVersion: storageVersion, kind: info.storage!.kind };
  }

  // ------------------------------------------------------------------------------------------ admission

  /**
   * Runs the admission chain on one request: `phase` 'mutate' runs every plugin's `admit` (they may change
   * `attrs.obj`), 'validate' every `validate`, 'both' (the default) one then the other. Plugin warnings go to the
   * response. Throws the first plugin's refusal.
   */
  async admit(attrs: AdmissionAttributes, phase: 'mutate' | 'validate' | 'both' = 'both'): Promise<void> {
    const { ctx } = attrs;
    const storage = ctx.resource.storage;
    const req: AdmissionRequest = {
      operation: attrs.operation,
      group: ctx.resource.group,
      version: storage ? storage.version : ctx.info.apiVersion,
      kind: storage ? storage.kind : ctx.resource.kind,
      resource: ctx.resource.resource,
      subresource: ctx.info.subresource,
      namespace: ctx.info.namespace,
      name: ctx.info.name || attrs.obj?.metadata?.name || '',
      object: attrs.obj,
      oldObject: attrs.old,
      user: ctx.user,
      dryRun: attrs.dryRun,
      warnings: ctx.warnings,
      annotate: (k, v) => this.audits.get(ctx.req)?.annotate(k, v),
      ...(ctx.onDone ? { whenDone: (cb: () => void) => ctx.onDone!.push(cb) } : {}),
    };
    const runs = (p: AdmissionPlugin) => !p.handles || p.handles(attrs.operation);
    if (phase !== 'validate') for (const p of this.admission) if (p.admit && runs(p)) await p.admit(req);
    if (phase !== 'mutate') for (const p of this.admission) if (p.validate && runs(p)) await p.validate(req);
  }

  // ------------------------------------------------------------------------------------------ services: IPs and node ports

  private isService(info: ResourceInfo): boolean {
    return info.group === '' && info.resource === 'services';
  }

  /** Copies allocated ClusterIPs and node ports from `old` when an update leaves them out (upstream patchAllocatedValues). */
  preserveAllocated(info: ResourceInfo, obj: Obj, old: Obj): void {
    if (!this.isService(info)) return;
    const spec = (obj.spec ??= {});
    const os = old.spec ?? {};
    if (spec.type !== 'ExternalName' && os.type !== 'ExternalName') {
      if (!spec.clusterIP && os.clusterIP) spec.clusterIP = os.clusterIP;
      if ((!spec.clusterIPs || spec.clusterIPs.length === 0) && os.clusterIPs) spec.clusterIPs = [...os.clusterIPs];
      if (spec.clusterIPs?.[0] === undefined && spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
    }
    if (needsNodePorts(spec) && needsNodePorts(os)) {
      for (const p of spec.ports ?? []) {
        if (p.nodePort) continue;
        const match = (os.ports ?? []).find((q: Obj) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (match?.nodePort) p.nodePort = match.nodePort;
      }
    }
    if (!spec.healthCheckNodePort && os.healthCheckNodePort && spec.externalTrafficPolicy === 'Local') spec.healthCheckNodePort = os.healthCheckNodePort;
  }

  /** Allocates a new service's ClusterIP and node ports (checks only, for dry runs). */
  async beforeCreate(info: ResourceInfo, obj: Obj, dryRun: boolean): Promise<Obj> {
    if (!this.isService(info)) return obj;
    const spec = (obj.spec ??= {});
    const taken: Array<() => Promise<void>> = [];
    try {
      if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None') {
        const requested: string | undefined = spec.clusterIPs?.[0] ?? spec.clusterIP;
        if (requested) {
          await this.takeIp(requested, dryRun);
          taken.push(() => this.serviceIps.release(requested));
        } else if (!dryRun) {
          const ip = await this.serviceIps.allocateNext().catch((e) => {
            throw allocFailure(e, 'spec.clusterIPs', [], '');
          });
          spec.clusterIP = ip;
          spec.clusterIPs = [ip];
          taken.push(() => this.serviceIps.release(ip));
        }
      }
      if (needsNodePorts(spec)) await this.takeNodePorts(spec, [], dryRun, taken);
      return obj;
    } catch (err) {
      if (!dryRun) for (const t of taken) await t().catch(() => {});
      throw err;
    }
  }

  private async takeIp(ip: string, dryRun: boolean): Promise<void> {
    const range = this.serviceIps.cidr;
    const fail = (msg: string) =>
      invalid({ group: '', kind: 'Service' }, '', [field.invalid('spec.clusterIPs', [ip], `failed to allocate IP ${ip}: ${msg}`)]);
    if (this.serviceIps.offset(ip) === undefined) throw fail(`provided IP is not in the valid range. The range of valid IPs is ${range}`);
    if (dryRun) {
      if (await this.serviceIps.alloc.has(this.serviceIps.offset(ip)!)) throw fail('provided IP is already allocated');
      return;
    }
    try {
      await this.serviceIps.allocate(ip);
    } catch (e) {
      if (e instanceof AllocationError && e.reason === 'taken') throw fail('provided IP is already allocated');
      throw e;
    }
  }

  private async takeNodePorts(spec: Obj, keep: number[], dryRun: boolean, taken: Array<() => Promise<void>>): Promise<void> {
    const ports: Obj[] = spec.ports ?? [];
    const range = `${this.nodePorts.base}-${this.nodePorts.base + this.nodePorts.size - 1}`;
    const seen = new Set<number>();
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i]!;
      if (p.nodePort) {
        if (keep.includes(p.nodePort) || seen.has(p.nodePort)) {
          seen.add(p.nodePort);
          continue;
        }
        const fail = (msg: string) => invalid({ group: '', kind: 'Service' }, '', [field.invalid(`spec.ports[${i}].nodePort`, p.nodePort, msg)]);
        if (!this.nodePorts.inRange(p.nodePort)) throw fail(`provided port is not in the valid range. The range of valid ports is ${range}`);
        if (dryRun) {
          if (await this.nodePorts.alloc.has(p.nodePort - this.nodePorts.base)) throw fail('provided port is already allocated');
        } else {
          try {
            await this.nodePorts.allocate(p.nodePort);
          } catch (e) {
            if (e instanceof AllocationError && e.reason === 'taken') throw fail('provided port is already allocated');
            throw e;
          }
          const port = p.nodePort;
          taken.push(() => this.nodePorts.release(port));
        }
        seen.add(p.nodePort);
      } else if (!dryRun) {
        const port = await this.nodePorts.allocateNext().catch((e) => {
          throw allocFailure(e, `spec.ports[${i}].nodePort`, 0, range);
        });
        p.nodePort = port;
        seen.add(port);
        taken.push(() => this.nodePorts.release(port));
      }
    }
  }

  /** Allocation changes of a service update (type changes, new ports); releases what the update drops. */
  async beforeUpdate(info: ResourceInfo, obj: Obj, old: Obj, dryRun: boolean): Promise<Obj> {
    if (!this.isService(info)) return obj;
    const spec = (obj.spec ??= {});
    const os = old.spec ?? {};
    const taken: Array<() => Promise<void>> = [];
    try {
      const oldIp: string | undefined = os.type !== 'ExternalName' && os.clusterIP !== 'None' ? os.clusterIP : undefined;
      if (spec.type === 'ExternalName') {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      } else if (!oldIp && spec.clusterIP !== 'None') {
        const requested: string | undefined = spec.clusterIPs?.[0] ?? spec.clusterIP;
        if (requested) {
          await this.takeIp(requested, dryRun);
          taken.push(() => this.serviceIps.release(requested));
        } else if (!dryRun) {
          const ip = await this.serviceIps.allocateNext();
          spec.clusterIP = ip;
          spec.clusterIPs = [ip];
          taken.push(() => this.serviceIps.release(ip));
        }
      }
      const oldPorts: number[] = needsNodePorts(os) ? (os.ports ?? []).map((p: Obj) => p.nodePort).filter(Boolean) : [];
      if (needsNodePorts(spec)) await this.takeNodePorts(spec, oldPorts, dryRun, taken);
      else for (const p of spec.ports ?? []) delete p.nodePort;
      if (!dryRun) {
        const nowPorts = new Set<number>(needsNodePorts(spec) ? (spec.ports ?? []).map((p: Obj) => p.nodePort) : []);
        for (const p of oldPorts) if (!nowPorts.has(p)) await this.nodePorts.release(p);
        if (oldIp && spec.type === 'ExternalName') await this.serviceIps.release(oldIp);
      }
      return obj;
    } catch (err) {
      if (!dryRun) for (const t of taken) await t().catch(() => {});
      throw err;
    }
  }

  /** Frees what a deleted object held. */
  async afterDelete(info: ResourceInfo, obj: Obj, dryRun: boolean): Promise<void> {
    if (dryRun || !this.isService(info)) return;
    await this.releaseService(obj);
  }

  /** Frees what a create that failed after allocation took. */
  async afterFailedCreate(info: ResourceInfo, obj: Obj, dryRun: boolean): Promise<void> {
    if (dryRun || !this.isService(info)) return;
    await this.releaseService(obj);
  }

  private async releaseService(obj: Obj): Promise<void> {
    const spec = obj.spec ?? {};
    for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) if (ip && ip !== 'None') await this.serviceIps.release(ip).catch(() => {});
    if (needsNodePorts(spec)) for (const p of spec.ports ?? []) if (p.nodePort) await this.nodePorts.release(p.nodePort).catch(() => {});
    if (spec.healthCheckNodePort) await this.nodePorts.release(spec.healthCheckNodePort).catch(() => {});
  }

  // ------------------------------------------------------------------------------------------ bootstrap

  /** System namespaces and the `kubernetes` service with its endpoints. Idempotent. */
  private async bootstrap(): Promise<void> {
    const ns = this.store('', 'namespaces');
    for (const name of SYSTEM_NAMESPACES) {
      await ns.update('', name, (cur) => {
        if (cur) return cur;
        const obj: Obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
        ns.prepareCreate(obj);
        this.hooks.applyDefaults(ns.info, obj);
        return obj;
      });
    }
    const ip = firstServiceIp(this.opts.serviceClusterIpRange.split(',')[0]!.trim());
    const svcs = this.store('', 'services');
    await svcs.update('default', 'kubernetes', async (cur) => {
      if (cur) return cur;
      const obj: Obj = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: this.port }], sessionAffinity: 'None' },
      };
      svcs.prepareCreate(obj);
      this.hooks.applyDefaults(svcs.info, obj);
      if (!(await this.serviceIps.alloc.has(this.serviceIps.offset(ip)!))) await this.serviceIps.allocate(ip).catch(() => {});
      return obj;
    });
    const address = this.advertiseAddress();
    const eps = this.store('', 'endpoints');
    await eps.update('default', 'kubernetes', (cur) => {
      const obj: Obj = cur ?? { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } };
      if (!cur) eps.prepareCreate(obj);
      obj.subsets = [{ addresses: [{ ip: address }], ports: [{ name: 'https', port: this.port, protocol: 'TCP' }] }];
      return obj;
    });
    const slices = this.store('discovery.k8s.io', 'endpointslices');
    await slices.update('default', 'kubernetes', (cur) => {
      const obj: Obj = cur ?? {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' } },
      };
      if (!cur) slices.prepareCreate(obj);
      obj.addressType = address.includes(':') ? 'IPv6' : 'IPv4';
      obj.endpoints = [{ addresses: [address], conditions: { ready: true } }];
      obj.ports = [{ name: 'https', port: this.port, protocol: 'TCP' }];
      return obj;
    });
  }

  private advertiseAddress(): string {
    const b = this.opts.bindAddress;
    if (b !== '0.0.0.0' && b !== '::') return b;
    for (const addrs of Object.values(os.networkInterfaces())) for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
    return '127.0.0.1';
  }

  // ------------------------------------------------------------------------------------------ requests

  private async handle(req: Req, res: Res): Promise<void> {
    if (this.stopping) {
      res.writeHead(503, { 'Content-Type': 'text/plain', Connection: 'close' });
      res.end('apiserver is shutting down\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'https://x');
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    const isLong = isLongRunning(info);
    if (!isLong) this.inflight++;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (isLong) await this.route(req, res, url, info);
      else {
        // As upstream's request deadline: the client's `?timeout=` (kubectl --request-timeout) when shorter
        // than the server's maximum, else the maximum.
        const limitMs = requestDeadlineMs(url.searchParams.get('timeout'), this.opts.requestTimeoutMs);
        const work = this.route(req, res, url, info);
        await Promise.race([
          work,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(timeout('request did not complete within the allotted timeout', 0)), limitMs);
          }),
        ]);
      }
    } catch (err) {
      const se = err instanceof StatusError ? err : toStatusError(err);
      this.audits.get(req)?.logResponseObject(se.status);
      if (se.code >= 500 && !(err instanceof StatusError)) this.log(`apiserver: ${req.method} ${url.pathname}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      if (!res.headersSent) sendStatus(res, se);
      else {
        try {
          res.end();
        } catch {
          /* gone */
        }
      }
    } finally {
      if (timer) clearTimeout(timer);
      if (!isLong) {
        this.inflight--;
        if (this.inflight === 0) this.inflightDone?.();
      }
    }
  }

  private async route(req: Req, res: Res, url: URL, info: RequestInfo): Promise<void> {
    const p = url.pathname;
    // Health endpoints answer without credentials (upstream allows anonymous on exactly these).
    if (p === '/healthz' || p === '/livez' || p === '/readyz' || p.startsWith('/healthz/') || p.startsWith('/livez/') || p.startsWith('/readyz/')) {
      return this.health(res, p, url.searchParams);
    }
    let user = await authenticate(this.authenticators, req);
    if (!user) throw unauthorized();
    // Impersonation (kubectl --as/--as-group): every impersonated attribute is authorized with the `impersonate`
    // verb for the real user, then the request runs as the impersonated one.
    if (isImpersonating(req.headers as Record<string, unknown> as never)) {
      const real = user;
      user = await impersonate(user, distinctHeaders(req), (a) => this.authorize(a));
      (req as { kubetsRealUser?: UserInfo }).kubetsRealUser = real;
    }
    // Flow control sits between impersonation and authorization, as in kube-apiserver's handler chain.
    const release = await this.admitFlow(info, user, p, isLongRunning(info), res);
    // The seat is held until the response has been handed to the connection (as upstream, where the handler
    // returns after writing): a large LIST occupies its seat while it is written out, so a flood of them queues
    // in its own priority level instead of taking the event loop from everyone else.
    let released = false;
    const free = () => {
      if (released) return;
      released = true;
      release();
    };
    res.once('finish', free);
    res.once('close', free);
    try {
      await this.authorizedRoute(req, res, url, info, user, p);
    } catch (e) {
      free();
      throw e;
    }
  }

  private async authorizedRoute(req: Req, res: Res, url: URL, info: RequestInfo, user: UserInfo, p: string): Promise<void> {
    const attrs: AuthorizationAttributes = {
      user,
      verb: info.verb,
      isResourceRequest: info.isResourceRequest,
      path: p,
      apiGroup: info.apiGroup,
      apiVersion: info.apiVersion,
      namespace: info.namespace,
      resource: info.resource,
      subresource: info.subresource,
      name: info.name || nameFromFieldSelector(info.verb, url.searchParams.get('fieldSelector')),
      ...(url.searchParams.get('fieldSelector') ? { fieldSelector: url.searchParams.get('fieldSelector')! } : {}),
      ...(url.searchParams.get('labelSelector') ? { labelSelector: url.searchParams.get('labelSelector')! } : {}),
    };
    const authz = await this.authorize(attrs);
    if (this.audit) this.startAudit(req, res, attrs, authz.allowed, authz.reason);
    if (!authz.allowed) throw forbiddenRequest(attrs, authz.reason);
    if (info.isResourceRequest) return this.resourceRequest(req, res, url, info, user);
    return this.nonResource(req, res, p, url);
  }

  private async resourceRequest(req: Req, res: Res, url: URL, info: RequestInfo, user: UserInfo): Promise<void> {
    const resource = lookupResource(info.apiGroup, info.apiVersion, info.resource);
    if (!resource) {
      throw pathNotFound();
    }
    const apiVersion = info.apiGroup ? `${info.apiGroup}/${info.apiVersion}` : info.apiVersion;
    let store: ResourceStore | undefined;
    if (resource.storage) store = this.store(resource.group, resource.resource);
    else if (resource.resource === 'bindings') store = this.store('', 'pods');
    const ctx: RequestContext = {
      req,
      res,
      info: resource.namespaced ? info : { ...info, namespace: '' },
      query: url.searchParams,
      user,
      resource,
      store: store ?? this.store('', 'namespaces'),
      apiVersion,
      warnings: [],
      onDone: [],
    };
    if (resource.namespaced && !info.namespace && info.verb !== 'list' && info.verb !== 'watch' && info.verb !== 'deletecollection') {
      if (!(info.verb === 'create' && resource.resource === 'bindings')) {
        throw notFound({ group: resource.group, resource: resource.resource }, info.name);
      }
    }
    try {
      await handleResource(this, ctx);
    } finally {
      for (const cb of ctx.onDone!) {
        try {
          cb();
        } catch {
          // a completion hook never fails the request
        }
      }
    }
  }

  private async nonResource(req: Req, res: Res, p: string, url: URL): Promise<void> {
    const accept = req.headers.accept;
    const path0 = p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
    if (path0 === '/version') return sendJson(res, 200, versionInfo());
    if (path0 === DUMP_PRIORITY_LEVELS_PATH || path0 === DUMP_QUEUES_PATH || path0 === DUMP_REQUESTS_PATH) {
      if (!this.flow) throw notFound({ group: '', resource: '' }, path0);
      const levels = this.flow.dump();
      const body =
        path0 === DUMP_PRIORITY_LEVELS_PATH ? dumpPriorityLevels(levels) : path0 === DUMP_QUEUES_PATH ? dumpQueues(levels) : dumpRequests(levels, !!url.searchParams.get(INCLUDE_REQUEST_DETAILS_PARAM));
      res.writeHead(200, { ...DEBUG_RESPONSE_HEADERS });
      res.end(body);
      return;
    }
    if (path0 === '/api' || path0 === '/apis') {
      const agg = aggregatedWanted(accept);
      if (agg) {
        const body = aggregatedDiscovery(path0 as '/api' | '/apis') as Obj;
        body.apiVersion = `apidiscovery.k8s.io/${agg}`;
        return sendJson(res, 200, body, 'json', {
          'Content-Type': agg === 'v2' ? AGGREGATED_DISCOVERY_V2_CONTENT_TYPE : 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
          Vary: 'Accept',
        });
      }
      if (path0 === '/api') return sendJson(res, 200, apiVersions(`${this.advertiseAddress()}:${this.port}`), 'json', { Vary: 'Accept' });
      return sendJson(res, 200, apiGroupList(), 'json', { Vary: 'Accept' });
    }
    const m = /^\/apis\/([^/]+)$/.exec(path0);
    if (m) {
      const g = apiGroup(m[1]!);
      if (g) return sendJson(res, 200, g);
    }
    const rl = /^\/api\/([^/]+)$/.exec(path0) ?? /^\/apis\/([^/]+)\/([^/]+)$/.exec(path0);
    if (rl) {
      const list = path0.startsWith('/api/') ? apiResourceList('', rl[1]!) : apiResourceList(rl[1]!, rl[2]!);
      if (list) return sendJson(res, 200, list);
    }
    if (path0 === '/openapi/v2') {
      const wantsPb = parseAccept(accept).some((r) => r.type.includes('protobuf'));
      const wantsJson = !accept || parseAccept(accept).some((r) => r.type === 'application/json' || r.type === '*/*');
      if (wantsPb && !parseAccept(accept)[0]?.type.includes('json')) {
        const body = openApiV2Protobuf();
        res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': String(body.length) });
        res.end(body);
        return;
      }
      if (wantsJson || !accept) return sendJson(res, 200, openApiV2());
    }
    if (path0 === '/openapi/v3') return sendJson(res, 200, openApiV3Root());
    if (path0.startsWith('/openapi/v3/')) {
      const docPath = path0.slice('/openapi/v3/'.length);
      const body = openApiV3Body(docPath);
      const hash = openApiV3Hash(docPath);
      if (body !== undefined && hash !== undefined) {
        const asked = url.searchParams.get('hash');
        if (asked && asked !== hash) {
          res.writeHead(301, { Location: `/openapi/v3/${docPath}?hash=${hash}`, 'Cache-Control': 'no-cache, private' });
          res.end();
          return;
        }
        const buf = Buffer.from(body);
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Length': String(buf.length),
          Etag: `"${hash}"`,
          'Cache-Control': asked ? 'public, immutable' : 'no-cache, private',
        });
        res.end(buf);
        return;
      }
    }
    if (path0 === '/') {
      return sendJson(res, 200, { paths: ['/api', '/api/v1', '/apis', ...[...new Set(RESOURCES.filter((r) => r.group).flatMap((r) => [`/apis/${r.group}`, ...r.versions.map((v) => `/apis/${r.group}/${v}`)]))], '/healthz', '/livez', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] });
    }
    throw pathNotFound();
  }

  private async health(res: Res, p: string, q: URLSearchParams): Promise<void> {
    const base = p.split('/')[1]!;
    const storageOk = await this.storageHealthy();
    const checks: Array<[string, boolean]> = [
      ['ping', true],
      ['log', true],
      ['etcd', storageOk],
      ['poststarthook/start-apiextensions-informers', true],
      ['poststarthook/bootstrap-system-objects', this.ready],
    ];
    if (base === 'readyz') checks.push(['shutdown', !this.stopping], ['informer-sync', this.ready]);
    const sub = p.split('/').slice(2).join('/');
    const selected = sub ? checks.filter(([n]) => n === sub) : checks;
    if (sub && selected.length === 0) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    const ok = selected.every(([, v]) => v);
    const verbose = q.has('verbose') || !ok;
    let text: string;
    if (!verbose) text = 'ok';
    else {
      text = selected.map(([n, v]) => `[${v ? '+' : '-'}]${n} ${v ? 'ok' : 'failed: reason withheld'}`).join('\n') + '\n';
      text += ok ? `${base} check passed\n` : `${base} check failed\n`;
    }
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache, private' });
    res.end(text);
  }

  /** Writes `DIR/admin.kubeconfig` pointing at this server; returns its path. */
  async writeAdminKubeconfig(): Promise<string> {
    const file = path.join(this.opts.dataDir, 'admin.kubeconfig');
    await writeAdminKubeconfig(file, this.pki, this.url);
    return file;
  }

  /**
   * Gives each control-plane component (and any extra identity, e.g. kubelets) a client certificate and a
   * kubeconfig under `DIR/cred/`, then keeps every certificate of the cluster current: every `checkEveryMs`
   * (12 h) the serving, admin and component certificates within 30 days of expiry are reissued; a new serving
   * certificate is loaded into the running TLS server, a new admin certificate rewrites admin.kubeconfig.
   * Resolves to the credentials as written now.
   */
  async manageCredentials(extra: readonly ComponentIdentity[] = [], checkEveryMs = 12 * 3600_000): Promise<ComponentCredentials[]> {
    this.identities = [...CONTROL_PLANE_IDENTITIES, ...extra];
    const creds = await ensureComponentCredentials(this.pki, this.url, this.identities);
    if (!this.renewTimer) {
      this.renewTimer = setInterval(() => {
        this.renewCredentials().catch((e) => this.log(`apiserver: certificate renewal failed: ${e instanceof Error ? e.message : String(e)}`));
      }, checkEveryMs);
      this.renewTimer.unref();
    }
    return creds;
  }

  /**
   * One renewal pass as of `now` (see `manageCredentials`). Returns which certificates it reissued, by name
   * (`serving`, `admin`, and component names).
   */
  async renewCredentials(now: Date = new Date()): Promise<string[]> {
    const renewed: string[] = [];
    const pki = await ensureClusterPki(this.opts.dataDir, { serviceClusterIpRange: this.opts.serviceClusterIpRange, now });
    if (pki.generated.serving) {
      this.server?.setSecureContext({ cert: servingChain(pki), key: pki.serving.keyPem, ca: pki.clientCa.certPem });
      renewed.push('serving');
    }
    this.pki = pki;
    if (pki.generated.admin) {
      await this.writeAdminKubeconfig();
      renewed.push('admin');
    }
    for (const c of await ensureComponentCredentials(pki, this.url, this.identities, now)) if (c.issued) renewed.push(c.identity.name);
    if (renewed.length) this.log(`apiserver: renewed certificates: ${renewed.join(', ')}`);
    return renewed;
  }

  /** Graceful stop: refuse new requests, let in-flight ones finish (10 s cap), end watches, close caches and the store. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.renewTimer) clearInterval(this.renewTimer);
    for (const t of this.quotaTimers.values()) clearTimeout(t);
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.flow?.close();
    this.ready = false;
    for (const end of [...this.watches]) end();
    if (this.inflight > 0) await within(new Promise<void>((r) => (this.inflightDone = r)), 10_000);
    const closed = new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    for (const s of this.sessions) s.close();
    for (const sock of this.sockets) sock.destroy();
    await within(closed, 2000);
    const caches = new Set([...this.stores.values()].map((s) => s.cache));
    for (const c of caches) c.close();
    if (!this.opts.backend) await this.backend?.close();
    // Last: responses that finished while stopping still get their ResponseComplete events written.
    await this.audit?.log.close().catch(() => {});
  }
}

/** Waits for `p` at most `ms`; the timer does not outlive the wait (a pending timer would delay the process's exit). */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function needsNodePorts(spec: Obj): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function allocFailure(e: unknown, path: string, value: unknown, range: string): StatusError {
  if (e instanceof AllocationError && e.reason === 'full') {
    return internalError(new Error(range ? `failed to allocate a nodePort: range is full` : 'failed to allocate a serviceIP: range is full'));
  }
  if (e instanceof StatusError) return e;
  return invalid({ group: '', kind: 'Service' }, '', [field.invalid(path, value, String(e))]);
}

/** `v2`, `v2beta1` or undefined: which aggregated discovery form the Accept header asks for first. */
function aggregatedWanted(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const r of parseAccept(accept)) {
    if (r.params['as'] === 'APIGroupDiscoveryList' && r.params['g'] === 'apidiscovery.k8s.io') {
      if (r.params['v'] === 'v2') return 'v2';
      if (r.params['v'] === 'v2beta1') return 'v2beta1';
    }
    if (!r.params['as'] && (r.type === 'application/json' || r.type === '*/*')) return undefined;
  }
  return undefined;
}

function versionInfo(): Obj {
  const b = buildInfo();
  return {
    major: b.major,
    minor: b.minor,
    gitVersion: `${b.gitVersion}+kubets`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.version}`,
    compiler: 'tsc',
    platform: b.platform,
  };
}

/** NamespaceLifecycle: no content in missing or terminating namespaces; system namespaces cannot be deleted. */
function namespaceLifecycle(server: ApiServer): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    async validate(a) {
      if (a.group === '' && a.resource === 'namespaces') {
        if (a.operation === 'DELETE' && SYSTEM_NAMESPACES.includes(a.name)) {
          throw forbidden({ group: '', resource: 'namespaces' }, a.name, 'this namespace may not be deleted');
        }
        return;
      }
      if (!a.namespace || a.operation !== 'CREATE') return;
      const nsName = a.namespace;
      const ns = server.store('', 'namespaces');
      let obj: Obj | undefined = ns.cache.get(ns.key('', nsName))?.obj;
      if (!obj) obj = await ns.get('', nsName).catch(() => undefined);
      if (!obj) throw notFound({ group: '', resource: 'namespaces' }, nsName);
      if (obj.metadata?.deletionTimestamp || obj.status?.phase === 'Terminating') {
        const e = forbidden({ group: a.group, resource: a.resource }, a.object?.metadata?.name ?? '', `unable to create new content in namespace ${nsName} because it is being terminated`);
        e.status.details = { ...(e.status.details ?? {}), causes: [{ reason: 'NamespaceTerminating', message: `namespace ${nsName} is being terminated`, field: 'metadata.namespace' }] } as any;
        throw e;
      }
    },
  };
}

export { nowTime, splitApiVersion };

/**
 * The deadline of a non-long-running request in milliseconds: the `timeout` query parameter (a Go duration)
 * when it is positive and under `maxMs`, else `maxMs`. Throws 400 for an unparsable value, in upstream words.
 */
export function requestDeadlineMs(param: string | null, maxMs: number): number {
  if (param === null || param === '') return maxMs;
  let ns: bigint;
  try {
    ns = parseDuration(param);
  } catch (e) {
    throw badRequest(`invalid timeout specified in the request URL - ${e instanceof Error ? e.message : String(e)}`);
  }
  const ms = Number(ns / 1_000_000n);
  return ms > 0 && ms < maxMs ? ms : maxMs;
}

/** Upstream's forbiddenMessage: who cannot do what, where. */
export function forbiddenMessage(a: AuthorizationAttributes): string {
  return sanitizeForbidden(rawForbiddenMessage(a));
}

/** Upstream escapes what could be read as HTML in forbidden messages. */
const sanitizeForbidden = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function rawForbiddenMessage(a: AuthorizationAttributes): string {
  const who = JSON.stringify(a.user.name);
  if (!a.isResourceRequest) return `User ${who} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (a.namespace) return `User ${who} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} in the namespace ${JSON.stringify(a.namespace)}`;
  return `User ${who} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} at the cluster scope`;
}

/** The 403 of a denied request, as upstream's responsewriters.Forbidden builds it (reason appended after ": "). */
export function forbiddenRequest(a: AuthorizationAttributes, reason?: string): StatusError {
  const why = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  if (!a.resource) {
    return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `forbidden: ${why}`, reason: 'Forbidden', details: {}, code: 403 });
  }
  return forbidden({ group: a.apiGroup, resource: a.resource }, a.name, why);
}

/**
 * The name a list or watch is restricted to by an exact `metadata.name` field selector (`metadata.name=x` or
 * `==x` among the terms), as upstream's RequestInfo records it for authorization; '' otherwise.
 */
export function nameFromFieldSelector(verb: string, fieldSelector: string | null): string {
  if ((verb !== 'list' && verb !== 'watch') || !fieldSelector) return '';
  for (const term of fieldSelector.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (!m || term.includes('!=')) continue;
    const name = m[1]!;
    if (name && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%')) return name;
  }
  return '';
}

/** Upstream's 404 for a path no route serves (an unknown resource or non-resource URL). */
function pathNotFound(): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
}

/** Long-running requests (upstream's set): watches and the streaming subresources; no deadline, no APF seat. */
function isLongRunning(info: RequestInfo): boolean {
  return info.verb === 'watch' || LONG_RUNNING_SUBRESOURCES.has(info.subresource);
}

const LONG_RUNNING_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

/** The serving certificate followed by the CA that issued it, as one PEM bundle. */
function servingChain(pki: ClusterPki): string {
  const leaf = pki.serving.certPem.endsWith('\n') ? pki.serving.certPem : `${pki.serving.certPem}\n`;
  return leaf + pki.ca.certPem;
}
