// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1): types, loading from a file, upstream defaulting (default plugins, weights, plugin args) and validation.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { EXTENSION_POINTS, type ExtensionPoint } from './framework.js';

export const SCHEDULER_CONFIG_API_VERSION = 'kubescheduler.config.k8s.io/v1';
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** A plugin enabled at an extension point (weight: score only). */
export interface PluginRef {
  name: string;
  weight?: number;
}

export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: { name: string }[];
}

/** Per-extension-point plugin sets; multiPoint enables a plugin at every point it implements. */
export type Plugins = Partial<Record<ExtensionPoint | 'multiPoint', PluginSet>>;

export interface PluginConfig {
  name: string;
  args?: Record<string, unknown>;
}

export interface KubeSchedulerProfile {
  schedulerName?: string;
  percentageOfNodesToScore?: number;
  plugins?: Plugins;
  pluginConfig?: PluginConfig[];
}

export interface LeaderElectionConfiguration {
  leaderElect?: boolean;
  leaseDuration?: string;
  renewDeadline?: string;
  retryPeriod?: string;
  resourceLock?: string;
  resourceName?: string;
  resourceNamespace?: string;
}

/** kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration (the fields kubets acts on). */
export interface KubeSchedulerConfiguration {
  apiVersion?: string;
  kind?: string;
  parallelism?: number;
  leaderElection?: LeaderElectionConfiguration;
  clientConnection?: { kubeconfig?: string; qps?: number; burst?: number; contentType?: string; acceptContentTypes?: string };
  percentageOfNodesToScore?: number;
  podInitialBackoffSeconds?: number;
  podMaxBackoffSeconds?: number;
  profiles?: KubeSchedulerProfile[];
}

/** The v1 default plugins, all enabled through multiPoint in this order (weights for Score). */
export const DEFAULT_MULTI_POINT: readonly PluginRef[] = [
  { name: 'SchedulingGates' },
  { name: 'PrioritySort' },
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'VolumeRestrictions' },
  { name: 'NodeVolumeLimits' },
  { name: 'VolumeBinding' },
  { name: 'VolumeZone' },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DefaultPreemption' },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
  { name: 'DefaultBinder' },
];

/** Default args per plugin (upstream SetDefaults_*Args), merged under the user's pluginConfig args. */
export const DEFAULT_PLUGIN_ARGS: Readonly<Record<string, Record<string, unknown>>> = {
  NodeResourcesFit: { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] } },
  NodeResourcesBalancedAllocation: { resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] },
  DefaultPreemption: { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 },
  InterPodAffinity: { hardPodAffinityWeight: 1 },
  PodTopologySpread: { defaultingType: 'System' },
  NodeAffinity: {},
  VolumeBinding: { bindTimeoutSeconds: 600 },
};

/** A profile after defaulting: plugin sets merged with the defaults, args defaulted. */
export interface ResolvedProfile {
  schedulerName: string;
  percentageOfNodesToScore?: number;
  plugins: Required<Record<ExtensionPoint | 'multiPoint', Required<PluginSet>>>;
  pluginConfig: Map<string, Record<string, unknown>>;
}

/** A configuration after defaulting. */
export interface ResolvedConfiguration {
  parallelism: number;
  percentageOfNodesToScore: number;
  podInitialBackoffMs: number;
  podMaxBackoffMs: number;
  leaderElection: Required<LeaderElectionConfiguration>;
  profiles: ResolvedProfile[];
}

/** Upstream mergePluginSet: defaults minus disabled ("*" drops them all), user entries replace same-named defaults in place, others appended. */
export function mergePluginSet(defaults: PluginSet | undefined, custom: PluginSet | undefined): Required<PluginSet> {
  const disabled = custom?.disabled ?? [];
  const disabledNames = new Set(disabled.map((d) => d.name));
  const enabledCustom = new Map<string, PluginRef>();
  for (const e of custom?.enabled ?? []) enabledCustom.set(e.name, e);
  const out: PluginRef[] = [];
  const replaced = new Set<string>();
  if (!disabledNames.has('*')) {
    for (const d of defaults?.enabled ?? []) {
      if (disabledNames.has(d.name)) continue;
      const c = enabledCustom.get(d.name);
      if (c) {
        out.push({ ...c });
        replaced.add(d.name);
      } else out.push({ ...d });
    }
  }
  for (const e of custom?.enabled ?? []) if (!replaced.has(e.name)) out.push({ ...e });
  return { enabled: out, disabled: [...disabled] };
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (base && over && typeof base === 'object' && typeof over === 'object' && !Array.isArray(base) && !Array.isArray(over)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = deepMerge(out[k], v);
    return out;
  }
  return over;
}

/** A configuration error, with upstream-style field paths. */
export class ConfigError extends Error {}

function resolveProfile(p: KubeSchedulerProfile, i: number): ResolvedProfile {
  const plugins = {} as ResolvedProfile['plugins'];
  plugins.multiPoint = mergePluginSet({ enabled: [...DEFAULT_MULTI_POINT] }, p.plugins?.multiPoint);
  for (const ep of EXTENSION_POINTS) plugins[ep] = mergePluginSet(undefined, p.plugins?.[ep]);
  const pluginConfig = new Map<string, Record<string, unknown>>();
  for (const [name, args] of Object.entries(DEFAULT_PLUGIN_ARGS)) pluginConfig.set(name, structuredClone(args));
  const seen = new Set<string>();
  for (const [j, pc] of (p.pluginConfig ?? []).entries()) {
    if (!pc?.name) throw new ConfigError(`profiles[${i}].pluginConfig[${j}].name: Required value`);
    if (seen.has(pc.name)) throw new ConfigError(`profiles[${i}].pluginConfig[${j}]: Duplicate value: "${pc.name}"`);
    seen.add(pc.name);
    const args = { ...(pc.args ?? {}) };
    delete args['kind'];
    delete args['apiVersion'];
    pluginConfig.set(pc.name, deepMerge(pluginConfig.get(pc.name) ?? {}, args) as Record<string, unknown>);
  }
  const pct = p.percentageOfNodesToScore;
  if (pct !== undefined && (pct < 0 || pct > 100)) throw new ConfigError(`profiles[${i}].percentageOfNodesToScore: Invalid value: ${pct}: not in valid range [0-100]`);
  return {
    schedulerName: p.schedulerName || DEFAULT_SCHEDULER_NAME,
    ...(pct !== undefined ? { percentageOfNodesToScore: pct } : {}),
    plugins,
    pluginConfig,
  };
}

/** Parses a Go duration such as `15s`, `1m30s`, `500ms` into ms; throws ConfigError. */
export function parseGoDuration(s: string, field: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  if (s === '0') return 0;
  let m: RegExpExecArray | null;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  while ((m = re.exec(s))) {
    total += Number(m[1]) * unit[m[2]!]!;
    pos = re.lastIndex;
  }
  if (s.length === 0 || pos !== s.length) throw new ConfigError(`${field}: Invalid value: "${s}": not a duration`);
  return total;
}

/**
 * Defaults and validates a configuration as upstream does: one `default-scheduler` profile when none; per
 * profile the default plugins (multiPoint) merged with the user's sets; plugin args defaulted; parallelism 16;
 * backoff 1 s / 10 s; leader election on kube-system/kube-scheduler (15 s / 10 s / 2 s). Throws ConfigError.
 */
export function resolveConfiguration(cfg: KubeSchedulerConfiguration = {}): ResolvedConfiguration {
  if (cfg.apiVersion !== undefined && cfg.apiVersion !== SCHEDULER_CONFIG_API_VERSION) {
    throw new ConfigError(`no kind "${cfg.kind ?? 'KubeSchedulerConfiguration'}" is registered for version "${cfg.apiVersion}" in scheme`);
  }
  if (cfg.kind !== undefined && cfg.kind !== 'KubeSchedulerConfiguration') {
    throw new ConfigError(`no kind "${cfg.kind}" is registered for version "${cfg.apiVersion ?? SCHEDULER_CONFIG_API_VERSION}" in scheme`);
  }
  const parallelism = cfg.parallelism ?? 16;
  if (!(parallelism > 0)) throw new ConfigError(`parallelism: Invalid value: ${parallelism}: should be an integer value greater than zero`);
  const pct = cfg.percentageOfNodesToScore ?? 0;
  if (pct < 0 || pct > 100) throw new ConfigError(`percentageOfNodesToScore: Invalid value: ${pct}: not in valid range [0-100]`);
  const initial = cfg.podInitialBackoffSeconds ?? 1;
  const max = cfg.podMaxBackoffSeconds ?? 10;
  if (initial <= 0) throw new ConfigError(`podInitialBackoffSeconds: Invalid value: ${initial}: must be greater than 0`);
  if (max < initial) throw new ConfigError(`podMaxBackoffSeconds: Invalid value: ${max}: must be greater than or equal to PodInitialBackoffSeconds`);
  const profilesIn = cfg.profiles && cfg.profiles.length > 0 ? cfg.profiles : [{}];
  const profiles = profilesIn.map(resolveProfile);
  const names = new Set<string>();
  for (const [i, p] of profiles.entries()) {
    if (names.has(p.schedulerName)) throw new ConfigError(`profiles[${i}].schedulerName: Duplicate value: "${p.schedulerName}"`);
    names.add(p.schedulerName);
  }
  const le = cfg.leaderElection ?? {};
  return {
    parallelism,
    percentageOfNodesToScore: pct,
    podInitialBackoffMs: initial * 1000,
    podMaxBackoffMs: max * 1000,
    leaderElection: {
      leaderElect: le.leaderElect ?? true,
      leaseDuration: le.leaseDuration ?? '15s',
      renewDeadline: le.renewDeadline ?? '10s',
      retryPeriod: le.retryPeriod ?? '2s',
      resourceLock: le.resourceLock ?? 'leases',
      resourceName: le.resourceName ?? 'kube-scheduler',
      resourceNamespace: le.resourceNamespace ?? 'kube-system',
    },
    profiles,
  };
}

/** Reads a KubeSchedulerConfiguration from a YAML or JSON file (not yet defaulted). Throws ConfigError on a bad document. */
export function loadConfigFile(file: string): KubeSchedulerConfiguration {
  const text = readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`couldn't decode as KubeSchedulerConfiguration: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`couldn't decode as KubeSchedulerConfiguration: ${file} is not an object`);
  const cfg = doc as KubeSchedulerConfiguration;
  if (cfg.apiVersion === undefined || cfg.kind === undefined) throw new ConfigError(`couldn't get version/kind; json parse error: Object 'Kind' is missing`);
  return cfg;
}
