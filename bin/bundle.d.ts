// Types for bin/bundle.js (plain JS: it runs before tsx is registered).
export interface BundlePaths {
  readonly file: string;
  readonly inputs: string;
  readonly lock: string;
}
export function bundleDir(env?: NodeJS.ProcessEnv): string;
export function bundlePaths(name: string, env?: NodeJS.ProcessEnv): BundlePaths;
export function isFresh(name: string, env?: NodeJS.ProcessEnv): boolean;
export function buildBundle(entry: string, name: string, env?: NodeJS.ProcessEnv): Promise<boolean>;
export function runBundled(entry: string, name: string): Promise<void>;
