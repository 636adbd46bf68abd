// Runs a TypeScript entry point from a single-file bundle that esbuild makes
// on first use and keeps in node_modules/.cache/mesos-ts/. Starting from the
// bundle skips tsx (about 0.3 s of CPU per process) and resolving dozens of
// modules; it matters for programs started once per task, such as the
// command executor. Nothing has to be built by hand: the bundle is made when
// missing, and made again when any file it was made from changed (size or
// mtime; checked with one stat per file, about 40 for the executor).
//
// While one process builds (it holds `<bundle>.lock`), others start through
// tsx instead of waiting; a lock older than LOCK_STALE_MS is taken over.
// MESOS_TS_NO_BUNDLE=1 always runs through tsx. MESOS_TS_BUNDLE_DIR moves the
// cache (tests); it must stay inside the repository, because the bundle
// imports packages (protobufjs, bunyan, ...) from its node_modules.

import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { run } from './run-ts.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LOCK_STALE_MS = 60_000;
const FORMAT = 1;

export function bundleDir(env = process.env) {
  return env.MESOS_TS_BUNDLE_DIR || join(ROOT, 'node_modules', '.cache', 'mesos-ts');
}

/** The bundle's path and the file listing what it was made from. */
export function bundlePaths(name, env = process.env) {
  const file = join(bundleDir(env), `${name}.mjs`);
  return { file, inputs: `${file}.inputs.json`, lock: `${file}.lock` };
}

/** True when the bundle exists and none of its inputs changed since it was made. */
export function isFresh(name, env = process.env) {
  const paths = bundlePaths(name, env);
  let record;
  try {
    record = JSON.parse(readFileSync(paths.inputs, 'utf8'));
    statSync(paths.file);
  } catch {
    return false;
  }
  if (record.format !== FORMAT || record.node !== process.version || !Array.isArray(record.inputs)) return false;
  for (const [path, size, mtimeMs] of record.inputs) {
    try {
      const stat = statSync(resolve(ROOT, path));
      if (stat.size !== size || stat.mtimeMs !== mtimeMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function takeLock(path) {
  try {
    closeSync(openSync(path, 'wx'));
    return true;
  } catch {
    try {
      if (Date.now() - statSync(path).mtimeMs < LOCK_STALE_MS) return false;
      unlinkSync(path);
      closeSync(openSync(path, 'wx'));
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * esbuild resolves `import.meta.url` to the bundle's own location; each
 * module of ours needs its own (to find files next to it), so it is written
 * in as a constant while bundling.
 */
const ownUrls = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      if (args.path.includes(`${join('node_modules', '')}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const contents = text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

/**
 * Makes the bundle of `entry` (a path relative to the repository) under
 * `name`, unless another process is making it. Returns whether a fresh
 * bundle is there afterwards.
 */
export async function buildBundle(entry, name, env = process.env) {
  const paths = bundlePaths(name, env);
  mkdirSync(dirname(paths.file), { recursive: true });
  if (!takeLock(paths.lock)) return false;
  try {
    const { build } = await import('esbuild');
    const temp = `${paths.file}.${process.pid}.tmp`;
    const started = Date.now();
    const result = await build({
      entryPoints: [resolve(ROOT, entry)],
      outfile: temp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
      plugins: [ownUrls],
    });
    const inputs = Object.keys(result.metafile.inputs).map((input) => {
      const path = relative(ROOT, resolve(process.cwd(), input));
      const stat = statSync(resolve(ROOT, path));
      return [path, stat.size, stat.mtimeMs];
    });
    renameSync(temp, paths.file);
    // A file saved while esbuild read it may be newer than what went in: then the bundle is not called fresh.
    if (inputs.some(([, , mtimeMs]) => mtimeMs >= started - 1_000)) return false;
    const record = { format: FORMAT, node: process.version, entry, inputs };
    writeFileSync(`${paths.inputs}.${process.pid}.tmp`, JSON.stringify(record));
    renameSync(`${paths.inputs}.${process.pid}.tmp`, paths.inputs);
    return true;
  } finally {
    try {
      unlinkSync(paths.lock);
    } catch {
      // already gone
    }
  }
}

/** Runs `entry` from its bundle, making it first if needed; through tsx when that cannot be done now. */
export async function runBundled(entry, name) {
  if (process.env.MESOS_TS_NO_BUNDLE !== '1') {
    let ready = isFresh(name);
    if (!ready) {
      try {
        ready = await buildBundle(entry, name);
      } catch (error) {
        process.stderr.write(`Failed to bundle ${entry} (running it through tsx): ${error instanceof Error ? error.message : String(error)}\n`);
        ready = false;
      }
    }
    if (ready) {
      await import(pathToFileURL(bundlePaths(name).file).href);
      return;
    }
  }
  await run(`../${entry}`);
}
