// Image references for the simulated runtime: validation and normalisation as containerd does (docker reference grammar, `busybox` → `docker.io/library/busybox:latest`).

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const NAME_TOTAL_MAX = 255;

/** A parsed, normalised image reference. */
export interface ImageReference {
  /** `domain/path`, e.g. `docker.io/library/busybox`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** The normalised reference: repository plus `:tag` (`:latest` when neither tag nor digest is given) and `@digest`. */
  readonly normalized: string;
}

/**
 * Parses and normalises an image reference as containerd (docker/distribution reference.ParseDockerRef) does:
 * no domain means `docker.io`, a single-component docker.io name gets `library/`, no tag and no digest means
 * `:latest`. Returns undefined when `ref` is not a valid reference (uppercase repository, bad tag/digest, a
 * 64-hex-digit name, a name longer than 255 characters, ...).
 */
export function parseImageReference(ref: string): ImageReference | undefined {
  if (ref === '' || ref !== ref.trim()) return undefined;
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) return undefined;
  }
  if (rest === '' || rest.length > NAME_TOTAL_MAX) return undefined;
  if (/^[a-f0-9]{64}$/.test(rest)) return undefined;

  let domain = 'docker.io';
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (!DOMAIN_RE.test(domain)) return undefined;
  const components = path.split('/');
  if (!components.every((c) => PATH_COMPONENT_RE.test(c))) return undefined;
  if (domain === 'docker.io' && components.length === 1) path = `library/${path}`;

  const repository = `${domain}/${path}`;
  if (repository.length > NAME_TOTAL_MAX) return undefined;
  if (tag === undefined && digest === undefined) tag = 'latest';
  const normalized = repository + (tag !== undefined ? `:${tag}` : '') + (digest !== undefined ? `@${digest}` : '');
  return { repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}), normalized };
}

/** True when the reference names a repository whose last path component ends in `-pull-fails` (the simulated runtime's way to fail a pull). */
export function isPullFailure(ref: ImageReference): boolean {
  return /-pull-fails$/.test(ref.repository);
}
