// Resources semantics; cases re-expressed from Mesos 1.0's
// src/tests/resources_tests.cpp.

import test from 'ava';
import { mesos } from '../../proto/index.js';
import {
  ResourcePredicates,
  Resources,
  formatResourceProto,
  validateResource,
  validateResources,
  type ResourceProto,
} from '../../common/resources.js';

const R = (text: string, role?: string): Resources => Resources.parse(text, role);

function scalar(name: string, value: number, role = '*', extra: Partial<ResourceProto> = {}): ResourceProto {
  return { name, type: mesos.Value.Type.SCALAR, scalar: { value }, role, ...extra };
}

// ------------------------------------------------------------------ parsing

test('text form: names, roles, values and the default role', (t) => {
  const r = R('cpus:45.55;ports:[10000-20000, 30000-50000];disks:{sda1}');
  t.is(r.toString(), 'cpus(*):45.55; ports(*):[10000-20000, 30000-50000]; disks(*):{sda1}');
  t.is(r.cpus(), 45.55);
  t.deepEqual(r.ports(), [10000, 20000, 30000, 50000]);
  t.deepEqual(r.set('disks'), ['sda1']);

  const withRoles = R('cpus(role1):2;mem(role1):3');
  t.true(withRoles.equals(Resources.fromProto([scalar('cpus', 2, 'role1'), scalar('mem', 3, 'role1')])));
  t.true(R(withRoles.toString()).equals(withRoles));

  const parse2 = R('cpus(role1):2.5;ports(role2):[0-100]');
  t.true(parse2.equals(R('cpus:2.5;ports(role2):[0-100]', 'role1')));
  t.is(parse2.toString(), 'cpus(role1):2.5; ports(role2):[0-100]');
});

test('text form: spaces around names and roles are trimmed, empty tokens skipped', (t) => {
  t.is(R(' cpus ( r1 ) : 2 ;;mem:10').toString(), 'cpus(r1):2; mem(*):10');
});

test('text form: same kind adds up; invalid and empty resources are dropped as by Mesos', (t) => {
  t.is(R('cpus:1;cpus:2.5').toString(), 'cpus(*):3.5');
  t.is(R('cpus:0;mem:100').toString(), 'mem(*):100');
  t.is(R('cpus:-1;mem:100').toString(), 'mem(*):100');
  t.is(R('ports:[5-3];mem:1').toString(), 'mem(*):1');
  t.is(R('cpus(bad/role):1;mem:1').toString(), 'mem(*):1');
});

const textErrors: Array<[string, string]> = [
  ['cpus(role1)', "Bad value for resources, missing or extra ':' in cpus(role1)"],
  ['cpus:1:2', "Bad value for resources, missing or extra ':' in cpus:1:2"],
  ['cpus(role1:1', 'Bad value for resources, mismatched parentheses in cpus(role1:1'],
  ['cpus)(role1:1', 'Bad value for resources, mismatched parentheses in cpus)(role1:1'],
  ['foo(role1):1;foo(role2):[0-1]', "Resources with the same name ('foo') but different types are not allowed"],
  ['cpus:abc', 'Bad type for resource cpus value abc type TEXT'],
  ['ports:[1-2b]', "Failed to parse resource ports value [1-2b] error Expecting non-negative integers in '2b'"],
  ['disks:{a}}', 'Failed to parse resource disks value {a}} error Mismatched brackets'],
];
for (const [text, message] of textErrors) {
  test(`text form error: ${text}`, (t) => {
    t.throws(() => R(text), { message });
    t.deepEqual(Resources.tryParse(text), { ok: false, error: message });
  });
}

test('JSON form: an array of Resource objects, default role applied', (t) => {
  const r = R(
    JSON.stringify([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 45.55 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 30000, end: 50000 }, { begin: 10000, end: 20000 }] } },
      { name: 'pandas', type: 'SET', set: { item: ['lun_lun', 'yang_yang'] }, role: 'panda_liason' },
    ]),
    'role1',
  );
  t.is(r.toString(), 'cpus(role1):45.55; ports(role1):[10000-20000, 30000-50000]; pandas(panda_liason):{lun_lun, yang_yang}');
  // Resources of the same kind merge as they are added.
  const twice = R(
    '[{"name":"cpus","type":"SCALAR","scalar":{"value":45.55},"role":"role1"},' +
      '{"name":"cpus","type":"SCALAR","scalar":{"value":45.55},"role":"role1"},' +
      '{"name":"cpus","type":"SCALAR","scalar":{"value":54.44},"role":"role2"}]',
  );
  t.is(twice.cpus(), 145.54);
  t.is(twice.toString(), 'cpus(role1):91.1; cpus(role2):54.44');
});

const jsonErrors: Array<[string, unknown, string | RegExp]> = [
  ['array of arrays', [[{ name: 'a', type: 'SET', set: { item: ['x'] } }]], 'Some JSON resources were not formatted properly: Expecting a JSON object'],
  ['missing type', [{ name: 'pandas', set: { item: ['x'] } }], /^Some JSON resources were not formatted properly: Missing required fields: type/],
  ['unknown type', [{ name: 'p', type: 'FLOATINGPOINT', set: { item: ['x'] } }], /^Some JSON resources were not formatted properly: Failed to find enum for 'FLOATINGPOINT'/],
  ['empty name', [{ name: '', type: 'SET', set: { item: ['x'] } }], 'Empty resource name'],
  ['empty scalar', [{ name: 'panda_power', type: 'SCALAR', scalar: { value: 0 } }], 'Some JSON resources were empty: panda_power(*):0'],
  ['empty ranges', [{ name: 'w', type: 'RANGES', ranges: { range: [] }, role: 'role1' }], 'Some JSON resources were empty: w(role1):[]'],
  ['negative', [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }], 'Invalid scalar resource: value < 0'],
  ['duplicate set items', [{ name: 's', type: 'SET', set: { item: ['a', 'a'] } }], 'Invalid set resource: duplicated elements'],
  ['overlapping ranges', [{ name: 'p', type: 'RANGES', ranges: { range: [{ begin: 1, end: 5 }, { begin: 3, end: 7 }] } }], 'Invalid ranges resource: overlapping ranges'],
  [
    'same name, different types',
    [
      { name: 'happy', type: 'SCALAR', scalar: { value: 14 } },
      { name: 'happy', type: 'SET', set: { item: ['a'] } },
    ],
    "Resources with the same name ('happy') but different types are not allowed",
  ],
  [
    'persistent volume',
    [{ name: 'disk', type: 'SCALAR', scalar: { value: 2048 }, role: 'r', disk: { persistence: { id: 'v1' }, volume: { container_path: '/p', mode: 'RW' } } }],
    'Persistent volumes cannot be specified at the command line',
  ],
  [
    'dynamic reservation',
    [{ name: 'disk', type: 'SCALAR', scalar: { value: 2048 }, reservation: { principal: 'p' }, role: 'new_role' }],
    "Dynamic reservations cannot be specified at the command line; do not include a 'reservation' key in the resources JSON",
  ],
  [
    'revocable',
    [{ name: 'cpus', type: 'SCALAR', scalar: { value: 54.44 }, role: 'role2', revocable: {} }],
    "Revocable resources cannot be specified at the command line; do not include a 'revocable' key in the resources JSON",
  ],
];
for (const [what, json, message] of jsonErrors) {
  test(`JSON form error: ${what}`, (t) => {
    t.throws(() => R(JSON.stringify(json)), { message });
  });
}

test('text that is JSON but not an array is read as the text form', (t) => {
  t.throws(() => R('{"name":"x"}'), { message: /^Bad value for resources|^Failed to parse resource/ });
  t.throws(() => R('[{"name":"a"}] trailing'), { message: /missing or extra ':'|Failed to parse/ });
});

// --------------------------------------------------------------- arithmetic

test('scalar equality, containment and roles', (t) => {
  t.true(R('cpus:3;mem:3072').equals(R('mem:3072;cpus:3')));
  t.false(R('cpus(role1):3').equals(R('cpus(role2):3')));
  const r1 = R('cpus:1;mem:3072');
  const r2 = R('cpus:1;mem:4096');
  t.true(r2.contains(r1));
  t.false(r1.contains(r2));
  const a = R('cpus(role1):1');
  const b = R('cpus(role2):1');
  const c = R('cpus(role1):3');
  t.false(b.contains(a));
  t.false(a.contains(b));
  t.false(a.contains(c));
  t.true(c.contains(a));
});

test('scalar addition and subtraction (clamped at zero)', (t) => {
  const sum = R('cpus:1;mem:5').plus(R('cpus:2;mem:10'));
  t.is(sum.size, 2);
  t.is(sum.scalar('cpus'), 3);
  t.is(sum.scalar('mem'), 15);
  const diff = R('cpus:50;mem:4096').minus(R('cpus:0.5;mem:1024'));
  t.is(diff.toString(), 'cpus(*):49.5; mem(*):3072');
  t.true(R('cpus:1').minus(R('cpus:5')).isEmpty());
  t.is(R('cpus:1;mem:1').minus(R('cpus:1')).toString(), 'mem(*):1');
  t.is(R('cpus(r):1').minus(R('cpus:1')).toString(), 'cpus(r):1');
  t.is(R('cpus:0.1').plus(R('cpus:0.2')).cpus(), 0.3);
});

test('ranges and sets add, subtract and contain', (t) => {
  t.is(R('ports:[20000-40000]').plus(R('ports:[30000-50000, 10000-20000]')).toString(), 'ports(*):[10000-50000]');
  t.is(R('ports:[20000-40000, 21000-26000]').minus(R('ports:[30000-50000]')).toString(), 'ports(*):[20000-29999]');
  t.true(R('ports:[1-10]').minus(R('ports:[1-10]')).isEmpty());
  t.true(R('ports:[1-10, 20-30]').contains(R('ports:[2-3, 25-30]')));
  t.false(R('ports:[1-10, 20-30]').contains(R('ports:[9-21]')));
  t.is(R('disks:{sda1,sda2}').plus(R('disks:{sda2,sda3}')).toString(), 'disks(*):{sda1, sda2, sda3}');
  t.is(R('disks:{sda1,sda2,sda3}').minus(R('disks:{sda2,sda4}')).toString(), 'disks(*):{sda1, sda3}');
  t.true(R('disks:{a,b,c}').contains(R('disks:{c,a}')));
  t.false(R('disks:{a}').contains(R('disks:{a,b}')));
});

test('contains of a single proto validates it first', (t) => {
  t.false(R('cpus:1').contains(scalar('cpus', -1)));
  t.true(R('cpus:1').contains(scalar('cpus', 0.5)));
});

test('fromProto drops invalid and empty resources', (t) => {
  const r = Resources.fromProto([
    { name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 1 } },
    { type: mesos.Value.Type.SCALAR, scalar: { value: 1 }, name: '' },
    scalar('cpus', 0),
    scalar('mem', -5),
  ]);
  t.is(r.toString(), 'cpus(*):1');
});

test('toProto sets the role and the value fields', (t) => {
  const [cpus, ports] = R('cpus:2;ports:[1-2, 5-6]').toProto();
  t.like(cpus, { name: 'cpus', type: mesos.Value.Type.SCALAR, role: '*', scalar: { value: 2 } });
  t.deepEqual(ports?.ranges, { range: [{ begin: 1, end: 2 }, { begin: 5, end: 6 }] });
  const roundTrip = Resources.fromProto(mesos.Resource.decode(mesos.Resource.encode(cpus as mesos.Resource).finish()));
  t.true(roundTrip.equals(R('cpus:2')));
});

// ---------------------------------------------------- reservations and disks

const reservedCpus = (principal: string | undefined, labels?: Array<[string, string?]>): ResourceProto =>
  scalar('cpus', 1, 'role', {
    reservation: {
      ...(principal === undefined ? {} : { principal }),
      ...(labels === undefined ? {} : { labels: { labels: labels.map(([key, value]) => (value === undefined ? { key } : { key, value })) } }),
    },
  });

test('dynamic reservations are part of the identity', (t) => {
  const a = Resources.fromProto(reservedCpus('p1'));
  const b = Resources.fromProto(reservedCpus('p2'));
  const staticRole = R('cpus(role):1');
  t.is(a.plus(a).size, 1);
  t.is(a.plus(b).size, 2);
  t.is(a.plus(staticRole).size, 2);
  t.false(a.contains(staticRole));
  t.false(staticRole.contains(a));
  // Label order does not matter; presence of labels does.
  const l1 = Resources.fromProto(reservedCpus('p', [['a', '1'], ['b']]));
  const l2 = Resources.fromProto(reservedCpus('p', [['b'], ['a', '1']]));
  t.true(l1.equals(l2));
  t.is(l1.plus(l2).size, 1);
  t.false(l1.equals(Resources.fromProto(reservedCpus('p', []))));
  t.false(Resources.fromProto(reservedCpus('p', [])).equals(a));
  t.is(l1.toString(), 'cpus(role, p, {a: 1, b}):1');
});

test('reserved(), unreserved(), reservations() and flatten()', (t) => {
  const dynamic = Resources.fromProto(reservedCpus('p1'));
  const all = R('cpus:1;mem(role):2;mem(other):3').plus(dynamic);
  t.is(all.unreserved().toString(), 'cpus(*):1');
  t.is(all.reserved().toString(), 'mem(role):2; mem(other):3; cpus(role, p1):1');
  t.is(all.reserved('role').toString(), 'mem(role):2; cpus(role, p1):1');
  t.true(all.reserved('*').isEmpty());
  t.deepEqual([...all.reservations().keys()], ['role', 'other']);
  t.is(all.flatten().toString(), 'cpus(*):2; mem(*):5');
  t.is(all.flatten('x').toString(), 'cpus(x):2; mem(x):5');
  const reservation = { principal: 'me' };
  t.is(R('cpus:1').flatten('r', reservation).toString(), 'cpus(r, me):1');
});

const volume = (id: string, value: number, containerPath = '/data'): ResourceProto =>
  scalar('disk', value, 'role', { disk: { persistence: { id }, volume: { container_path: containerPath, mode: mesos.Volume.Mode.RW } } });

test('persistent volumes are never merged and are subtracted only whole', (t) => {
  const v1 = Resources.fromProto(volume('v1', 100));
  t.is(v1.plus(v1).size, 2);
  t.is(v1.plus(Resources.fromProto(volume('v2', 100))).size, 2);
  t.true(v1.minus(v1).isEmpty());
  t.is(v1.minus(Resources.fromProto(volume('v1', 50))).toString(), 'disk(role)[v1:/data]:100');
  t.false(v1.contains(Resources.fromProto(volume('v1', 50))));
  t.true(v1.plus(v1).contains(v1.plus(v1)));
  t.false(v1.contains(v1.plus(v1)));
  // The volume (container path) is not part of the identity.
  t.true(v1.contains(Resources.fromProto(volume('v1', 100, '/elsewhere'))));
  t.is(v1.persistentVolumes().size, 1);
});

test('MOUNT disks are exclusive, PATH disks add up', (t) => {
  const mount = (root: string, value: number): ResourceProto =>
    scalar('disk', value, '*', { disk: { source: { type: mesos.Resource.DiskInfo.Source.Type.MOUNT, mount: { root } } } });
  const path = (root: string, value: number): ResourceProto =>
    scalar('disk', value, '*', { disk: { source: { type: mesos.Resource.DiskInfo.Source.Type.PATH, path: { root } } } });
  const m = Resources.fromProto(mount('/mnt/a', 10));
  t.is(m.plus(m).size, 2);
  t.true(m.minus(Resources.fromProto(mount('/mnt/a', 5))).equals(m));
  const p = Resources.fromProto(path('/p', 10));
  t.is(p.plus(p).toString(), 'disk(*)[]:20');
  t.is(p.plus(Resources.fromProto(path('/q', 10))).size, 2);
  t.false(p.contains(R('disk:5')));
});

test('revocable resources are their own kind', (t) => {
  const rev = Resources.fromProto(scalar('cpus', 2, '*', { revocable: {} }));
  const all = R('cpus:1').plus(rev);
  t.is(all.size, 2);
  t.is(all.toString(), 'cpus(*):1; cpus(*){REV}:2');
  t.is(all.revocable().toString(), 'cpus(*){REV}:2');
  t.is(all.nonRevocable().toString(), 'cpus(*):1');
  t.is(all.cpus(), 3);
  t.false(all.nonRevocable().contains(rev));
});

test('createStrippedScalarQuantity keeps role and revocability, drops reservations, disks and non-scalars', (t) => {
  const all = R('cpus:1;ports:[1-2];mem(r):4')
    .plus(Resources.fromProto(reservedCpus('p')))
    .plus(Resources.fromProto(volume('v1', 100)))
    .plus(Resources.fromProto(scalar('cpus', 2, '*', { revocable: {} })));
  t.is(all.createStrippedScalarQuantity().toString(), 'cpus(*):1; mem(r):4; cpus(role):1; disk(role):100; cpus(*){REV}:2');
  t.is(all.createStrippedScalarQuantity(), all.createStrippedScalarQuantity());
});

test('printing extended attributes', (t) => {
  const disk: ResourceProto = scalar('disk', 1);
  t.is(formatResourceProto(disk), 'disk(*):1');
  disk.role = 'alice';
  t.is(formatResourceProto(disk), 'disk(alice):1');
  disk.revocable = {};
  t.is(formatResourceProto(disk), 'disk(alice){REV}:1');
  delete disk.revocable;
  disk.disk = { persistence: { id: 'hadoop' }, volume: { container_path: '/data', mode: mesos.Volume.Mode.RW } };
  t.is(formatResourceProto(disk), 'disk(alice)[hadoop:/data]:1');
  disk.revocable = {};
  t.is(formatResourceProto(disk), 'disk(alice)[hadoop:/data]{REV}:1');
  delete disk.revocable;
  disk.disk = { persistence: { id: 'hadoop' }, volume: { container_path: '/data', host_path: '/hdfs', mode: mesos.Volume.Mode.RW } };
  t.is(formatResourceProto(disk), 'disk(alice)[hadoop:/hdfs:/data:rw]:1');
  disk.reservation = { principal: 'hdfs-p' };
  t.is(formatResourceProto(disk), 'disk(alice, hdfs-p)[hadoop:/hdfs:/data:rw]:1');
  disk.reservation = { principal: 'hdfs-p', labels: { labels: [{ key: 'foo', value: 'bar' }, { key: 'foo' }] } };
  t.is(formatResourceProto(disk), 'disk(alice, hdfs-p, {foo: bar, foo})[hadoop:/hdfs:/data:rw]:1');
  t.is(Resources.fromProto(disk).toString(), 'disk(alice, hdfs-p, {foo: bar, foo})[hadoop:/hdfs:/data:rw]:1');
});

test('queries: names, types, get, convenience accessors', (t) => {
  const r = R('mem:1024.9;cpus:2;disk:512;ports:[1-5];gpus:1;ephemeral_ports:[100-200];cpus(r):1');
  t.deepEqual(r.names(), ['cpus', 'disk', 'ephemeral_ports', 'gpus', 'mem', 'ports']);
  t.is(r.types().get('ports'), mesos.Value.Type.RANGES);
  t.is(r.get('cpus').toString(), 'cpus(*):2; cpus(r):1');
  t.is(r.cpus(), 3);
  t.is(r.gpus(), 1);
  t.is(r.mem(), 1024);
  t.is(r.disk(), 512);
  t.deepEqual(r.ephemeralPorts(), [100, 200]);
  t.is(r.scalar('nothing'), undefined);
  t.is(R('disk:1').mem(), undefined);
  t.is(r.scalars().names().join(','), 'cpus,disk,gpus,mem');
  t.is(r.filter((e) => e.role === 'r').toString(), 'cpus(r):1');
  t.is(Resources.sum([R('cpus:1'), R('cpus:2'), R('mem:1')]).toString(), 'cpus(*):3; mem(*):1');
});

test('identical() is stricter than equals(): entry order is free, volumes count', (t) => {
  t.true(R('cpus:1;mem:2').identical(R('mem:2;cpus:1')));
  t.false(R('cpus:1;mem:2').identical(R('cpus:1')));
  const a = Resources.fromProto(volume('v1', 100, '/a'));
  const b = Resources.fromProto(volume('v1', 100, '/b'));
  t.true(a.equals(b));
  t.false(a.identical(b));
});

// --------------------------------------------------------------- validation

const validations: Array<[string, ResourceProto, string | undefined]> = [
  ['valid scalar', scalar('cpus', 1), undefined],
  ['empty name', scalar('', 1), 'Empty resource name'],
  ['bad type', { name: 'x', type: 7 as mesos.Value.Type, scalar: { value: 1 } }, 'Invalid resource type'],
  ['scalar without value', { name: 'x', type: mesos.Value.Type.SCALAR }, 'Invalid scalar resource'],
  ['scalar with ranges', { name: 'x', type: mesos.Value.Type.SCALAR, scalar: { value: 1 }, ranges: { range: [] } }, 'Invalid scalar resource'],
  ['negative scalar', scalar('x', -0.5), 'Invalid scalar resource: value < 0'],
  ['NaN scalar', scalar('x', Number.NaN), 'Invalid scalar resource: value is not a finite number'],
  ['inverted range', { name: 'p', type: mesos.Value.Type.RANGES, ranges: { range: [{ begin: 5, end: 3 }] } }, 'Invalid ranges resource: begin > end'],
  ['ranges without ranges', { name: 'p', type: mesos.Value.Type.RANGES }, 'Invalid ranges resource'],
  // Mesos only notices an overlap when the later range starts inside an earlier one.
  ['later range inside', { name: 'p', type: mesos.Value.Type.RANGES, ranges: { range: [{ begin: 1, end: 5 }, { begin: 5, end: 9 }] } }, 'Invalid ranges resource: overlapping ranges'],
  ['earlier range inside', { name: 'p', type: mesos.Value.Type.RANGES, ranges: { range: [{ begin: 5, end: 10 }, { begin: 1, end: 7 }] } }, undefined],
  ['set without set', { name: 's', type: mesos.Value.Type.SET }, 'Invalid set resource'],
  ['text', { name: 't', type: mesos.Value.Type.TEXT }, 'Unsupported resource type'],
  ['disk info on cpus', scalar('cpus', 1, 'r', { disk: {} }), 'DiskInfo should not be set for cpus resource'],
  [
    'PATH without path',
    scalar('disk', 1, '*', { disk: { source: { type: mesos.Resource.DiskInfo.Source.Type.PATH } } }),
    "DiskInfo::Source 'type' set to 'PATH' but missing 'path' data",
  ],
  [
    'MOUNT without mount',
    scalar('disk', 1, '*', { disk: { source: { type: mesos.Resource.DiskInfo.Source.Type.MOUNT } } }),
    "DiskInfo::Source 'type' set to 'MOUNT' but missing 'mount' data",
  ],
  ['reserved *', scalar('cpus', 1, '*', { reservation: {} }), 'Invalid reservation: role "*" cannot be dynamically reserved'],
  ['bad role', scalar('cpus', 1, 'a b'), "Role name 'a b' is invalid because it contains slash, backspace or whitespace"],
];
for (const [what, resource, error] of validations) {
  test(`validate: ${what}`, (t) => {
    t.is(validateResource(resource), error);
  });
}

test('validateResources names the bad resource', (t) => {
  t.is(validateResources([scalar('cpus', 1), scalar('mem', -1)]), "Resource 'mem(*):-1' is invalid: Invalid scalar resource: value < 0");
  t.is(validateResources([scalar('cpus', 1)]), undefined);
});

test('proto predicates', (t) => {
  t.true(ResourcePredicates.isEmpty(scalar('cpus', 0)));
  t.true(ResourcePredicates.isUnreserved(scalar('cpus', 1)));
  t.true(ResourcePredicates.isReserved(scalar('cpus', 1, 'r'), 'r'));
  t.false(ResourcePredicates.isReserved(scalar('cpus', 1, 'r'), 'other'));
  t.true(ResourcePredicates.isDynamicallyReserved(reservedCpus('p')));
  t.true(ResourcePredicates.isPersistentVolume(volume('v', 1)));
  t.true(ResourcePredicates.isRevocable(scalar('cpus', 1, '*', { revocable: {} })));
});

// --------------------------------------------------------------- operations

const Op = mesos.Offer.Operation.Type;

test('apply RESERVE and UNRESERVE', (t) => {
  const total = R('cpus:8;mem:4096');
  const reserved = reservedCpus('p');
  const after = total.apply({ type: Op.RESERVE, reserve: { resources: [reserved] } });
  t.is(after.toString(), 'cpus(*):7; mem(*):4096; cpus(role, p):1');
  t.is(after.apply({ type: Op.UNRESERVE, unreserve: { resources: [reserved] } }).toString(), 'cpus(*):8; mem(*):4096');
  t.throws(() => R('cpus:0.5').apply({ type: Op.RESERVE, reserve: { resources: [reserved] } }), {
    message: 'Invalid RESERVE Operation: cpus(*):0.5 does not contain cpus(*):1',
  });
  t.throws(() => total.apply({ type: Op.RESERVE, reserve: { resources: [scalar('cpus', 1)] } }), {
    message: 'Invalid RESERVE Operation: Resource must be reserved',
  });
  t.throws(() => total.apply({ type: Op.RESERVE, reserve: { resources: [scalar('cpus', 1, 'r')] } }), {
    message: "Invalid RESERVE Operation: Missing 'reservation'",
  });
  t.throws(() => total.apply({ type: Op.UNRESERVE, unreserve: { resources: [reserved] } }), {
    message: 'Invalid UNRESERVE Operation: cpus(*):8; mem(*):4096 does not contain cpus(role, p):1',
  });
  t.throws(() => total.apply({ type: Op.RESERVE, reserve: { resources: [scalar('cpus', -1, 'r')] } }), {
    message: "Invalid RESERVE Operation: Resource 'cpus(r):-1' is invalid: Invalid scalar resource: value < 0",
  });
});

test('apply CREATE and DESTROY', (t) => {
  const total = R('disk(role):1024');
  const v = volume('v1', 100);
  const created = total.apply({ type: Op.CREATE, create: { volumes: [v] } });
  t.is(created.toString(), 'disk(role):924; disk(role)[v1:/data]:100');
  t.is(created.apply({ type: Op.DESTROY, destroy: { volumes: [v] } }).toString(), 'disk(role):1024');
  t.throws(() => R('disk(role):10').apply({ type: Op.CREATE, create: { volumes: [v] } }), {
    message: 'Invalid CREATE Operation: Insufficient disk resources',
  });
  t.throws(() => total.apply({ type: Op.CREATE, create: { volumes: [scalar('disk', 1, 'role')] } }), {
    message: "Invalid CREATE Operation: Missing 'disk'",
  });
  t.throws(() => total.apply({ type: Op.DESTROY, destroy: { volumes: [v] } }), {
    message: 'Invalid DESTROY Operation: Persistent volume does not exist',
  });
  t.is(total.apply({ type: Op.LAUNCH, launch: { task_infos: [] } }), total);
});
