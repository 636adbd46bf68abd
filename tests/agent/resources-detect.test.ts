import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  detectResources,
  diskToOffer,
  measureMachine,
  memoryToOffer,
  type DetectFlags,
  type MachineFacts,
} from '../../agent/resources-detect.js';
import type { Resources } from '../../common/resources.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;

const FLAGS: DetectFlags = { default_role: '*', isolation: 'posix/cpu,posix/mem' };
const MACHINE: MachineFacts = { cpus: 8, memBytes: 16 * GB, diskBytes: 100 * GB };

function detect(flags: Partial<DetectFlags>, machine: Partial<MachineFacts> = {}): Resources {
  const result = detectResources({ ...FLAGS, ...flags }, { ...MACHINE, ...machine });
  if (!result.ok) throw new Error(result.error);
  return result.resources;
}

test('memory and disk rules: 1 GB / 5 GB left free on big machines, half on small ones', (t) => {
  t.is(memoryToOffer(16 * GB), 15 * GB);
  t.is(memoryToOffer(2 * GB), GB);
  t.is(memoryToOffer(2 * GB - 2), GB - 1);
  t.is(memoryToOffer(1000), 500);
  t.is(diskToOffer(100 * GB), 95 * GB);
  t.is(diskToOffer(10 * GB), 5 * GB);
  t.is(diskToOffer(10 * GB - 2), 5 * GB - 1);
  t.is(diskToOffer(8 * GB), 4 * GB);
});

test('everything detected when --resources is absent', (t) => {
  const resources = detect({});
  t.is(resources.toString(), 'cpus(*):8; mem(*):15360; disk(*):97280; ports(*):[31000-32000]');
});

test('megabytes are truncated, like Bytes::megabytes()', (t) => {
  const resources = detect({}, { memBytes: 3 * GB + 5 * MB + 123, diskBytes: 7 * GB + MB / 2 });
  t.is(resources.mem(), 2048 + 5);
  t.is(resources.disk(), 3584 + 0);
});

test('small machine: half of memory and disk', (t) => {
  const resources = detect({}, { cpus: 1, memBytes: GB, diskBytes: 8 * GB });
  t.is(resources.toString(), 'cpus(*):1; mem(*):512; disk(*):4096; ports(*):[31000-32000]');
});

test('failed measurements fall back to the defaults', (t) => {
  const result = detectResources(FLAGS, { cpus: undefined, memBytes: undefined, diskBytes: undefined });
  if (!result.ok) return t.fail(result.error);
  t.is(result.resources.toString(), 'cpus(*):1; mem(*):1024; disk(*):10240; ports(*):[31000-32000]');
  t.is(result.warnings.length, 3);
});

test('resources named in --resources are not detected; the rest are', (t) => {
  const resources = detect({ resources: 'cpus:2;mem:1024' });
  t.is(resources.toString(), 'cpus(*):2; mem(*):1024; disk(*):97280; ports(*):[31000-32000]');
});

test('cpus:0 turns cpu detection off (substring test, as Mesos)', (t) => {
  const resources = detect({ resources: 'cpus:0;ports:[80-80]' });
  t.is(resources.cpus(), undefined);
  t.is(resources.toString(), 'ports(*):[80-80]; mem(*):15360; disk(*):97280');
});

test('--default_role applies to parsed and detected resources', (t) => {
  const resources = detect({ resources: 'cpus:2;disk(*):50', default_role: 'web' });
  t.is(resources.toString(), 'cpus(web):2; disk(*):50; mem(web):15360; ports(web):[31000-32000]');
});

test('JSON --resources', (t) => {
  const json = JSON.stringify([
    { name: 'cpus', type: 'SCALAR', scalar: { value: 3 } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 8000, end: 8010 }] }, role: 'web' },
  ]);
  const resources = detect({ resources: json, default_role: 'ops' });
  t.is(resources.toString(), 'cpus(ops):3; ports(web):[8000-8010]; mem(ops):15360; disk(ops):97280');
});

test('custom resources are kept and gpus move to the front', (t) => {
  const resources = detect({ resources: 'foo:5;gpus:2;cpus:1;mem:10;disk:10;ports:[1-2]' });
  t.is(resources.toString(), 'gpus(*):2; foo(*):5; cpus(*):1; mem(*):10; disk(*):10; ports(*):[1-2]');
});

test('parse errors are returned', (t) => {
  const result = detectResources({ ...FLAGS, resources: 'cpus:abc' }, MACHINE);
  t.false(result.ok);
  const mixed = detectResources({ ...FLAGS, resources: 'foo:1;foo:[1-2]' }, MACHINE);
  t.false(mixed.ok);
});

test('--nvidia_gpu_devices without the gpu/nvidia isolator is an error', (t) => {
  const result = detectResources({ ...FLAGS, nvidia_gpu_devices: [0] }, MACHINE);
  t.false(result.ok);
  if (!result.ok) t.regex(result.error, /can only be specified if the `--isolation` flag contains 'gpu\/nvidia'/);
  t.true(detectResources({ ...FLAGS, isolation: 'gpu/nvidia', nvidia_gpu_devices: [0] }, MACHINE).ok);
});

test('measureMachine reads cpus, memory and the work_dir filesystem', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'detect-'));
  try {
    const facts = await measureMachine(dir);
    t.true((facts.cpus ?? 0) >= 1);
    t.true((facts.memBytes ?? 0) > 0);
    t.true((facts.diskBytes ?? 0) > 0);
    const missing = await measureMachine(join(dir, 'nope'));
    t.is(missing.diskBytes, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
