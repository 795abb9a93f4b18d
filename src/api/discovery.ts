// Builders for the apiserver's discovery documents (legacy /api, /apis, APIResourceList and aggregated discovery v2).
import { createHash } from 'node:crypto';
import {
  groups,
  lookupGroup,
  resourcesFor,
  type GroupInfo,
  type ResourceInfo,
  type Verb,
} from './resources.js';

/** Content type of aggregated discovery v2 responses (request it with this Accept header). */
export const AGGREGATED_DISCOVERY_V2_CONTENT_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** metav1.ServerAddressByClientCIDR. */
export interface ServerAddressByClientCIDR {
  clientCIDR: string;
  serverAddress: string;
}

/** metav1.APIVersions as served at /api. */
export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs: ServerAddressByClientCIDR[];
}

/** metav1.GroupVersionForDiscovery. */
export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

/** One group entry of an APIGroupList (no kind/apiVersion of its own). */
export interface APIGroupEntry {
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

/** metav1.APIGroup as served at /apis/<group>. */
export interface APIGroup extends APIGroupEntry {
  kind: 'APIGroup';
  apiVersion: 'v1';
}

/** metav1.APIGroupList as served at /apis. */
export interface APIGroupList {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: APIGroupEntry[];
}

/** metav1.APIResource; optional fields are omitted when empty (Go omitempty); singularName is "" for subresources. */
export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: Verb[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

/** metav1.APIResourceList; `apiVersion` is absent at /api/v1 and "v1" at /apis/<g>/<v>, as upstream serves them. */
export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion?: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

/** apidiscovery v2 responseKind (group/version "" mean the parent's group-version). */
export interface ResponseKind {
  group: string;
  version: string;
  kind: string;
}

/** apidiscovery.k8s.io/v2 APISubresourceDiscovery. */
export interface APISubresourceDiscovery {
  subresource: string;
  responseKind: ResponseKind;
  verbs: Verb[];
}

/** apidiscovery.k8s.io/v2 APIResourceDiscovery. */
export interface APIResourceDiscovery {
  resource: string;
  responseKind: ResponseKind;
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: Verb[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

/** apidiscovery.k8s.io/v2 APIVersionDiscovery. */
export interface APIVersionDiscovery {
  version: string;
  resources: APIResourceDiscovery[];
  freshness: 'Current' | 'Stale';
}

/** apidiscovery.k8s.io/v2 APIGroupDiscovery; the core group has no metadata.name. */
export interface APIGroupDiscovery {
  metadata: { name?: string; creationTimestamp: null };
  versions: APIVersionDiscovery[];
}

/** apidiscovery.k8s.io/v2 APIGroupDiscoveryList. */
export interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  apiVersion: 'apidiscovery.k8s.io/v2';
  metadata: Record<string, never>;
  items: APIGroupDiscovery[];
}

/**
 * Upstream's discovery.StorageVersionHash: base64 (std, padded) of the first 8 bytes of
 * sha256("<group>/<version>/<kind>"); core group is "" so pods hash "/v1/Pod".
 */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

/** Body of GET /api: the core versions and one catch-all client CIDR pointing at `serverAddress` (host:port). */
export function apiVersions(serverAddress: string): APIVersions {
  return {
    kind: 'APIVersions',
    versions: [...(lookupGroup('')?.versions ?? [])],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

function groupEntry(g: GroupInfo): APIGroupEntry {
  return {
    name: g.name,
    versions: g.versions.map((v) => ({ groupVersion: groupVersion(g.name, v), version: v })),
    preferredVersion: { groupVersion: groupVersion(g.name, g.preferredVersion), version: g.preferredVersion },
  };
}

/** Body of GET /apis: every named group (core excluded) in upstream order. */
export function apiGroupList(): APIGroupList {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().filter((g) => g.name !== '').map(groupEntry) };
}

/** Body of GET /apis/<group>, or undefined when the group is not served (the core group is not served here). */
export function apiGroup(name: string): APIGroup | undefined {
  if (name === '') return undefined;
  const g = lookupGroup(name);
  if (!g) return undefined;
  const e = groupEntry(g);
  return { kind: 'APIGroup', apiVersion: 'v1', name: e.name, versions: e.versions, preferredVersion: e.preferredVersion };
}

function resourceEntries(info: ResourceInfo): APIResource[] {
  const main: APIResource = {
    name: info.resource,
    singularName: info.singularName,
    namespaced: info.namespaced,
    kind: info.kind,
    verbs: [...info.verbs],
  };
  if (info.shortNames.length > 0) main.shortNames = [...info.shortNames];
  if (info.categories.length > 0) main.categories = [...info.categories];
  if (info.storage) main.storageVersionHash = storageVersionHash(info.storage.group, info.storage.version, info.storage.kind);
  const out: APIResource[] = [main];
  for (const s of info.subresources) {
    out.push({
      name: `${info.resource}/${s.name}`,
      singularName: '',
      namespaced: info.namespaced,
      ...(s.group !== undefined ? { group: s.group } : {}),
      ...(s.version !== undefined ? { version: s.version } : {}),
      kind: s.kind,
      verbs: [...s.verbs],
    });
  }
  return out;
}

/**
 * Body of GET /api/v1 (group '') or /apis/<group>/<version>: every resource and subresource entry sorted by
 * name, as upstream; undefined when the group-version is not served.
 */
export function apiResourceList(group: string, version: string): APIResourceList | undefined {
  const g = lookupGroup(group);
  if (!g || !g.versions.includes(version)) return undefined;
  const resources = resourcesFor(group, version).flatMap(resourceEntries);
  resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const list: APIResourceList =
    group === ''
      ? { kind: 'APIResourceList', groupVersion: version, resources }
      : { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
  return list;
}

function resourceDiscovery(info: ResourceInfo): APIResourceDiscovery {
  const d: APIResourceDiscovery = {
    resource: info.resource,
    responseKind: { group: '', version: '', kind: info.kind },
    scope: info.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: info.singularName,
    verbs: [...info.verbs],
  };
  if (info.shortNames.length > 0) d.shortNames = [...info.shortNames];
  if (info.categories.length > 0) d.categories = [...info.categories];
  if (info.subresources.length > 0) {
    d.subresources = info.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? '', version: s.version ?? '', kind: s.kind },
      verbs: [...s.verbs],
    }));
  }
  return d;
}

/** The aggregated-discovery entry of one served group ('' = core), versions preferred-first; undefined if unserved. */
export function apiGroupDiscovery(name: string): APIGroupDiscovery | undefined {
  const g = lookupGroup(name);
  if (!g) return undefined;
  return {
    metadata: name === '' ? { creationTimestamp: null } : { name, creationTimestamp: null },
    versions: g.versions.map((v) => ({
      version: v,
      resources: resourcesFor(name, v).map(resourceDiscovery),
      freshness: 'Current' as const,
    })),
  };
}

/**
 * Aggregated discovery v2 body (content type {@link AGGREGATED_DISCOVERY_V2_CONTENT_TYPE}): for `/api` one item,
 * the core group; for `/apis` every named group in upstream order.
 */
export function aggregatedDiscovery(root: '/api' | '/apis'): APIGroupDiscoveryList {
  const names = root === '/api' ? [''] : groups().filter((g) => g.name !== '').map((g) => g.name);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: names.flatMap((n) => {
      const d = apiGroupDiscovery(n);
      return d ? [d] : [];
    }),
  };
}
