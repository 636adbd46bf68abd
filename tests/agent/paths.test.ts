import test from 'ava';
import { lstatSync, mkdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as paths from '../../agent/paths.js';
import type { mesos } from '../../proto/index.js';
import { isRoot, tempDir } from './containerizer-helpers.js';

const W = '/var/lib/mesos';
const M = paths.getMetaRootDir(W);

test('the sandbox and meta layouts of Mesos 1.0', (t) => {
  t.is(M, '/var/lib/mesos/meta');
  t.is(paths.getSandboxRootDir(W), '/var/lib/mesos/slaves');
  t.is(paths.getBootIdPath(M), '/var/lib/mesos/meta/boot_id');
  t.is(paths.getLatestSlavePath(M), '/var/lib/mesos/meta/slaves/latest');
  t.is(paths.getSlaveInfoPath(M, 'S1'), '/var/lib/mesos/meta/slaves/S1/slave.info');
  t.is(paths.getFrameworkInfoPath(M, 'S1', { value: 'F1' }), '/var/lib/mesos/meta/slaves/S1/frameworks/F1/framework.info');
  t.is(paths.getFrameworkPidPath(M, 'S1', 'F1'), '/var/lib/mesos/meta/slaves/S1/frameworks/F1/framework.pid');
  t.is(
    paths.getExecutorInfoPath(M, 'S1', 'F1', 'E1'),
    '/var/lib/mesos/meta/slaves/S1/frameworks/F1/executors/E1/executor.info',
  );
  const run = '/var/lib/mesos/meta/slaves/S1/frameworks/F1/executors/E1/runs/C1';
  t.is(paths.getExecutorRunPath(M, 'S1', 'F1', 'E1', 'C1'), run);
  t.is(paths.getForkedPidPath(M, 'S1', 'F1', 'E1', 'C1'), `${run}/pids/forked.pid`);
  t.is(paths.getLibprocessPidPath(M, 'S1', 'F1', 'E1', 'C1'), `${run}/pids/libprocess.pid`);
  t.is(paths.getExecutorSentinelPath(M, 'S1', 'F1', 'E1', 'C1'), `${run}/executor.sentinel`);
  t.is(paths.getExecutorHttpMarkerPath(M, 'S1', 'F1', 'E1', 'C1'), `${run}/http.marker`);
  t.is(paths.getTaskInfoPath(M, 'S1', 'F1', 'E1', 'C1', 'T1'), `${run}/tasks/T1/task.info`);
  t.is(paths.getTaskUpdatesPath(M, 'S1', 'F1', 'E1', 'C1', 'T1'), `${run}/tasks/T1/task.updates`);
  t.is(
    paths.getExecutorLatestRunPath(W, 'S1', 'F1', 'E1'),
    '/var/lib/mesos/slaves/S1/frameworks/F1/executors/E1/runs/latest',
  );
  t.is(paths.getResourcesInfoPath(M), '/var/lib/mesos/meta/resources/resources.info');
  t.is(paths.getProvisionerDir(W), '/var/lib/mesos/provisioner');
});

test('persistent volume paths follow the disk source', (t) => {
  const volume = (source?: mesos.Resource.DiskInfo.Source.$Properties): mesos.Resource.$Properties => ({
    name: 'disk',
    type: 0,
    scalar: { value: 1 },
    role: 'web',
    disk: { persistence: { id: 'p1' }, volume: { container_path: 'data', mode: 1 }, ...(source ? { source } : {}) },
  });
  t.is(paths.getPersistentVolumePath(W, volume()), '/var/lib/mesos/volumes/roles/web/p1');
  t.is(paths.getPersistentVolumePath(W, volume({ type: 1, path: { root: '/mnt/d1' } })), '/mnt/d1/volumes/roles/web/p1');
  t.is(paths.getPersistentVolumePath(W, volume({ type: 2, mount: { root: '/mnt/d2' } })), '/mnt/d2');
});

test('parseExecutorRunPath() recovers the IDs, and names what is wrong', (t) => {
  t.deepEqual(paths.parseExecutorRunPath(W, paths.getExecutorRunPath(W, 'S1', 'F1', 'E1', 'C1')), {
    slaveId: 'S1',
    frameworkId: 'F1',
    executorId: 'E1',
    containerId: 'C1',
  });
  t.throws(() => paths.parseExecutorRunPath(W, '/elsewhere/slaves'), { message: /does not fall under the root/ });
  t.throws(() => paths.parseExecutorRunPath(W, `${W}/slaves/S1`), { message: /not long enough/ });
  t.throws(() => paths.parseExecutorRunPath(W, `${W}/a/b/c/d/e/f/g/h`), { message: /Could not parse/ });
});

test('createExecutorDirectory() makes the sandbox and moves `latest` to it', async (t) => {
  const work = tempDir(t);
  const first = await paths.createExecutorDirectory(work, 'S1', 'F1', 'E1', 'C1');
  t.true(statSync(first).isDirectory());
  const latest = paths.getExecutorLatestRunPath(work, 'S1', 'F1', 'E1');
  t.is(readlinkSync(latest), first);
  const second = await paths.createExecutorDirectory(work, 'S1', 'F1', 'E1', 'C2');
  t.is(readlinkSync(latest), second);
  t.deepEqual(
    (await paths.getExecutorRunPaths(work, 'S1', 'F1', 'E1')).map((p) => p.slice(p.lastIndexOf('/') + 1)),
    ['C1', 'C2', 'latest'],
  );
  t.deepEqual(await paths.getFrameworkPaths(work, 'S1'), [join(work, 'slaves/S1/frameworks/F1')]);
  t.deepEqual(await paths.getFrameworkPaths(work, 'S9'), []);
});

test('createExecutorDirectory() gives the sandbox to the user; an unknown user only warns', async (t) => {
  const work = tempDir(t);
  const warnings: string[] = [];
  const log = { info: () => undefined, warn: (m: string) => warnings.push(m) } as unknown as Parameters<
    typeof paths.createExecutorDirectory
  >[6];
  const dir = await paths.createExecutorDirectory(work, 'S1', 'F1', 'E1', 'C1', 'no-such-user-here', log);
  t.true(statSync(dir).isDirectory());
  t.regex(warnings[0] ?? '', /Failed to chown executor directory .*--switch_user/);
  if (isRoot) {
    const owned = await paths.createExecutorDirectory(work, 'S1', 'F1', 'E1', 'C2', 'nobody');
    t.is(statSync(owned).uid, 65534);
  }
});

test('createSlaveDirectory() points slaves/latest at the agent', async (t) => {
  const work = tempDir(t);
  mkdirSync(join(work, 'slaves'));
  const dir = await paths.createSlaveDirectory(work, 'S1');
  t.true(lstatSync(paths.getLatestSlavePath(work)).isSymbolicLink());
  t.is(readlinkSync(paths.getLatestSlavePath(work)), dir);
  await paths.createSlaveDirectory(work, 'S2');
  t.is(readlinkSync(paths.getLatestSlavePath(work)), join(work, 'slaves/S2'));
});
