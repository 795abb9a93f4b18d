// Version facts shared by the CLI and (later) the apiserver's /version endpoint.
import { readFileSync } from 'node:fs';

/** The Kubernetes release whose API kubets serves. */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0' } as const;

export interface BuildInfo {
  kubetsVersion: string;
  major: string;
  minor: string;
  gitVersion: string;
  platform: string;
  nodeVersion: string;
}

let cached: string | undefined;
function packageVersion(): string {
  if (cached) return cached;
  // src/version/ and dist/src/version/ both reach package.json by walking up.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'kubets' && pkg.version) return (cached = pkg.version);
    } catch {
      // try the next candidate
    }
  }
  return (cached = '0.0.0-unknown');
}

/** What `kubets version` prints and `/version` will serve. */
export function buildInfo(): BuildInfo {
  return {
    kubetsVersion: packageVersion(),
    ...KUBERNETES_VERSION,
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
    nodeVersion: process.version,
  };
}
