// bin/bundle.js: programs started once per task (the command executor) run
// from an esbuild bundle made on first use and remade when a source changes.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { buildBundle, bundlePaths, isFresh } from '../../bin/bundle.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEP = path.join(ROOT, 'tests/executor/fixtures/bundle-dep.ts');
const ENTRY = 'tests/executor/fixtures/bundle-entry.ts';

/** A cache directory of the test's own, inside the repository (the bundle imports packages from its node_modules). */
function cacheEnv(t: { teardown(fn: () => void): void }): NodeJS.ProcessEnv {
  const dir = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'mesos-ts-test-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { ...process.env, MESOS_TS_BUNDLE_DIR: dir };
}

function runBundle(file: string): { ownPath: string; value: number } {
  return JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8' })) as { ownPath: string; value: number };
}

test.serial('a bundle is made, is fresh, keeps each module its own import.meta.url, and is remade when an input changes', async (t) => {
  const env = cacheEnv(t);
  t.false(isFresh('fixture', env));
  t.true(await buildBundle(ENTRY, 'fixture', env));
  t.true(isFresh('fixture', env));
  const paths = bundlePaths('fixture', env);
  const out = runBundle(paths.file);
  t.is(out.value, 42);
  t.is(out.ownPath, DEP);
  const inputs = (JSON.parse(fs.readFileSync(paths.inputs, 'utf8')) as { inputs: Array<[string, number, number]> }).inputs.map((i) => i[0]);
  t.deepEqual(inputs.sort(), ['tests/executor/fixtures/bundle-dep.ts', ENTRY].sort());

  // Same size, another mtime: stale until made again.
  const stat = fs.statSync(DEP);
  const earlier = new Date(Date.now() - 10_000);
  fs.utimesSync(DEP, earlier, earlier);
  t.teardown(() => fs.utimesSync(DEP, stat.atime, stat.mtime));
  t.false(isFresh('fixture', env));
  t.true(await buildBundle(ENTRY, 'fixture', env));
  t.true(isFresh('fixture', env));
  // A missing bundle file is not fresh either.
  fs.rmSync(paths.file);
  t.false(isFresh('fixture', env));
});

test.serial('while another process holds the lock nobody builds; a stale lock is taken over', async (t) => {
  const env = cacheEnv(t);
  const paths = bundlePaths('locked', env);
  fs.writeFileSync(paths.lock, '');
  t.false(await buildBundle(ENTRY, 'locked', env));
  t.false(isFresh('locked', env));
  const old = new Date(Date.now() - 120_000);
  fs.utimesSync(paths.lock, old, old);
  t.true(await buildBundle(ENTRY, 'locked', env));
  t.true(isFresh('locked', env));
  t.false(fs.existsSync(paths.lock));
});

test.serial('mesos-executor runs from its bundle (made on first start, reused after), or through tsx when told', (t) => {
  const env = cacheEnv(t);
  const bin = path.join(ROOT, 'bin/mesos-executor.js');
  const paths = bundlePaths('mesos-executor', env);
  const first = spawnSync(process.execPath, [bin, '--help'], { env, encoding: 'utf8' });
  t.is(first.status, 0, first.stderr);
  t.regex(first.stdout, /Usage: mesos-executor/);
  t.true(isFresh('mesos-executor', env));
  const made = fs.statSync(paths.file).mtimeMs;
  const second = spawnSync(process.execPath, [bin, '--help'], { env, encoding: 'utf8' });
  t.is(second.status, 0, second.stderr);
  t.is(fs.statSync(paths.file).mtimeMs, made);
  // Bad flags still name the flag from the bundle.
  const bad = spawnSync(process.execPath, [bin, '--no_such_flag=1'], { env, encoding: 'utf8' });
  t.is(bad.status, 1);
  t.regex(bad.stderr, /no_such_flag/);

  const plainEnv = cacheEnv(t);
  const plain = spawnSync(process.execPath, [bin, '--help'], { env: { ...plainEnv, MESOS_TS_NO_BUNDLE: '1' }, encoding: 'utf8' });
  t.is(plain.status, 0, plain.stderr);
  t.false(fs.existsSync(bundlePaths('mesos-executor', plainEnv).file));
});
