import test from 'ava';
import {
  AdmitSlave,
  applyBatch,
  cloneRegistry,
  machineKey,
  ReadmitSlave,
  RecoverMaster,
  type Registry,
  type RegistryOperation,
  RemoveQuota,
  RemoveSlave,
  StartMaintenance,
  StopMaintenance,
  UpdateQuota,
  UpdateSchedule,
  UpdateWeights,
} from '../../master/registry-operations.js';
import { mesos } from '../../proto/index.js';

const Mode = mesos.MachineInfo.Mode;

function slave(id: string, hostname = `host-${id}`): mesos.SlaveInfo.$Properties {
  return { id: { value: id }, hostname, port: 5051 };
}

function registryWith(...ids: string[]): Registry {
  return mesos.internal.Registry.create({ slaves: { slaves: ids.map((id) => ({ info: slave(id) })) } });
}

function slaveIds(registry: Registry): string[] {
  return (registry.slaves?.slaves ?? []).map((s) => s.info.id?.value ?? '?');
}

// ------------------------------------------------------------------ agents: the Mesos 1.0 semantics table

type AgentOp = 'admit' | 'readmit' | 'remove';
const make: Record<AgentOp, (info: mesos.SlaveInfo.$Properties) => RegistryOperation> = {
  admit: (info) => new AdmitSlave(info),
  readmit: (info) => new ReadmitSlave(info),
  remove: (info) => new RemoveSlave(info),
};

// [operation, agent already in the registry, strict] -> [permitted, mutated, error, agents after]
const table: Array<[AgentOp, boolean, boolean, boolean, boolean, string | undefined, string[]]> = [
  ['admit', false, false, true, true, undefined, ['S0', 'S1']],
  ['admit', false, true, true, true, undefined, ['S0', 'S1']],
  ['admit', true, false, true, false, undefined, ['S0', 'S1']],
  ['admit', true, true, false, false, 'Agent already admitted', ['S0', 'S1']],
  ['readmit', true, false, true, false, undefined, ['S0', 'S1']],
  ['readmit', true, true, true, false, undefined, ['S0', 'S1']],
  ['readmit', false, false, true, true, undefined, ['S0', 'S1']],
  ['readmit', false, true, false, false, 'Agent not yet admitted', ['S0']],
  ['remove', true, false, true, true, undefined, ['S0']],
  ['remove', true, true, true, true, undefined, ['S0']],
  ['remove', false, false, true, false, undefined, ['S0']],
  ['remove', false, true, false, false, 'Agent not yet admitted', ['S0']],
];

for (const [op, known, strict, permitted, mutated, error, after] of table) {
  test(`${op} ${known ? 'a known' : 'an unknown'} agent, strict=${strict}`, (t) => {
    const before = known ? registryWith('S0', 'S1') : registryWith('S0');
    const result = applyBatch(before, [make[op](slave('S1'))], strict);
    t.deepEqual(result.outcomes, [error === undefined ? { permitted, mutated } : { permitted, mutated, error }]);
    t.deepEqual(slaveIds(result.registry), after);
    // The input registry is never touched.
    t.deepEqual(slaveIds(before), known ? ['S0', 'S1'] : ['S0']);
  });
}

test('operations of a batch see each other (the slaveIDs accumulator)', (t) => {
  const { registry, outcomes } = applyBatch(
    mesos.internal.Registry.create(),
    [
      new AdmitSlave(slave('A')),
      new AdmitSlave(slave('A')),
      new AdmitSlave(slave('B')),
      new RemoveSlave(slave('A')),
      new ReadmitSlave(slave('B')),
      new RemoveSlave(slave('A')),
    ],
    true,
  );
  t.deepEqual(
    outcomes.map((o) => o.permitted),
    [true, false, true, true, true, false],
  );
  t.deepEqual(slaveIds(registry), ['B']);
});

test('agent operations need an id; the info is copied', (t) => {
  t.throws(() => new AdmitSlave({ hostname: 'h' }), { message: /missing the 'id' field/ });
  t.throws(() => new RemoveSlave({ hostname: 'h' }), { message: /missing the 'id' field/ });
  const info = slave('S1');
  const admit = new AdmitSlave(info);
  info.hostname = 'changed';
  const { registry } = applyBatch(mesos.internal.Registry.create(), [admit], false);
  t.is(registry.slaves?.slaves?.[0]?.info.hostname, 'host-S1');
});

test('an operation that throws is reported as not permitted; the rest still apply', (t) => {
  const broken: RegistryOperation = {
    description: 'explode',
    perform: () => {
      throw new Error('boom');
    },
  };
  const { registry, outcomes } = applyBatch(mesos.internal.Registry.create(), [broken, new AdmitSlave(slave('A'))], false);
  t.deepEqual(outcomes[0], { permitted: false, mutated: false, error: 'Failed to explode: boom' });
  t.deepEqual(slaveIds(registry), ['A']);
});

test('RecoverMaster replaces the master info', (t) => {
  const first = applyBatch(mesos.internal.Registry.create(), [new RecoverMaster({ id: 'm1', ip: 1, port: 5050 })], false);
  const second = applyBatch(first.registry, [new RecoverMaster({ id: 'm2', ip: 2, port: 5050 })], false);
  t.is(second.registry.master?.info.id, 'm2');
  t.is(first.registry.master?.info.id, 'm1');
});

// ------------------------------------------------------------------ maintenance

const m = (hostname: string, ip?: string): mesos.MachineID.$Properties => (ip === undefined ? { hostname } : { hostname, ip });
const window = (ids: mesos.MachineID.$Properties[], startNs: number): mesos.maintenance.Window.$Properties => ({
  machine_ids: ids,
  unavailability: { start: { nanoseconds: startNs } },
});

function machines(registry: Registry): Array<[string, number, number]> {
  return (registry.machines?.machines ?? []).map((machine) => [
    machine.info.id.hostname ?? '',
    machine.info.mode ?? 0,
    Number(machine.info.unavailability?.start.nanoseconds ?? -1),
  ]);
}

test('MachineID equality: hostname case-insensitive, ip exact, presence matters', (t) => {
  t.is(machineKey({ hostname: 'Host' }), machineKey({ hostname: 'host' }));
  t.not(machineKey({ hostname: 'host', ip: '1.2.3.4' }), machineKey({ hostname: 'host' }));
  t.not(machineKey({ hostname: '' }), machineKey({}));
  t.is(machineKey(mesos.MachineID.decode(mesos.MachineID.encode({ ip: '1.2.3.4' }).finish())), machineKey({ ip: '1.2.3.4' }));
});

test('UpdateSchedule: new machines drain, kept machines get the new window, dropped ones go', (t) => {
  let registry: Registry = mesos.internal.Registry.create();
  registry = applyBatch(registry, [new UpdateSchedule({ windows: [window([m('a')], 10)] })], false).registry;
  t.is(registry.schedules.length, 1);
  t.deepEqual(machines(registry), [['a', Mode.DRAINING, 10]]);

  registry = applyBatch(registry, [new UpdateSchedule({ windows: [window([m('a')], 20), window([m('b')], 30)] })], false).registry;
  t.deepEqual(machines(registry), [
    ['a', Mode.DRAINING, 20],
    ['b', Mode.DRAINING, 30],
  ]);

  registry = applyBatch(registry, [new StartMaintenance([m('A')])], false).registry;
  t.deepEqual(machines(registry)[0], ['a', Mode.DOWN, 20]);

  // Dropping b and adding c; a keeps its DOWN mode and takes the new window.
  const result = applyBatch(registry, [new UpdateSchedule({ windows: [window([m('a'), m('c')], 40)] })], false);
  t.deepEqual(result.outcomes, [{ permitted: true, mutated: true }]);
  t.deepEqual(machines(result.registry), [
    ['a', Mode.DOWN, 40],
    ['c', Mode.DRAINING, 40],
  ]);
  t.is(result.registry.schedules.length, 1);
  t.is(result.registry.schedules[0]?.windows?.[0]?.machine_ids?.length, 2);
});

test('StartMaintenance flips scheduled machines to DOWN; unknown machines are a no-op', (t) => {
  const scheduled = applyBatch(
    mesos.internal.Registry.create(),
    [new UpdateSchedule({ windows: [window([m('a'), m('b')], 1)] })],
    false,
  ).registry;
  const none = applyBatch(scheduled, [new StartMaintenance([m('zzz')])], false);
  t.deepEqual(none.outcomes, [{ permitted: true, mutated: false }]);
  const started = applyBatch(scheduled, [new StartMaintenance([m('b')])], false);
  t.deepEqual(started.outcomes, [{ permitted: true, mutated: true }]);
  t.deepEqual(machines(started.registry), [
    ['a', Mode.DRAINING, 1],
    ['b', Mode.DOWN, 1],
  ]);
});

test('StopMaintenance removes machines and prunes empty windows and schedules', (t) => {
  const scheduled = applyBatch(
    mesos.internal.Registry.create(),
    [new UpdateSchedule({ windows: [window([m('a'), m('b')], 1), window([m('c')], 2)] }), new StartMaintenance([m('a'), m('c')])],
    false,
  ).registry;
  const stopC = applyBatch(scheduled, [new StopMaintenance([m('c')])], false);
  t.deepEqual(stopC.outcomes, [{ permitted: true, mutated: true }]);
  t.deepEqual(machines(stopC.registry).map(([h]) => h), ['a', 'b']);
  t.is(stopC.registry.schedules[0]?.windows?.length, 1);

  const stopAll = applyBatch(stopC.registry, [new StopMaintenance([m('a'), m('b')])], false);
  t.deepEqual(machines(stopAll.registry), []);
  t.deepEqual(stopAll.registry.schedules, []);
  t.deepEqual(applyBatch(stopAll.registry, [new StopMaintenance([m('a')])], false).outcomes, [
    { permitted: true, mutated: false },
  ]);
});

// ------------------------------------------------------------------ quota and weights

const cpus = (value: number): mesos.Resource.$Properties => ({
  name: 'cpus',
  type: mesos.Value.Type.SCALAR,
  scalar: { value },
});

test('UpdateQuota adds or replaces per role; RemoveQuota removes or is a no-op', (t) => {
  let registry: Registry = mesos.internal.Registry.create();
  registry = applyBatch(registry, [new UpdateQuota({ role: 'r1', guarantee: [cpus(1)] })], false).registry;
  registry = applyBatch(registry, [new UpdateQuota({ role: 'r2', guarantee: [cpus(2)] })], false).registry;
  const replaced = applyBatch(registry, [new UpdateQuota({ role: 'r1', guarantee: [cpus(3)] })], false);
  t.deepEqual(replaced.outcomes, [{ permitted: true, mutated: true }]);
  registry = replaced.registry;
  t.deepEqual(
    registry.quotas.map((q) => [q.info.role, q.info.guarantee?.[0]?.scalar?.value]),
    [
      ['r1', 3],
      ['r2', 2],
    ],
  );
  const removed = applyBatch(registry, [new RemoveQuota('r1'), new RemoveQuota('r1')], false);
  t.deepEqual(removed.outcomes, [
    { permitted: true, mutated: true },
    { permitted: true, mutated: false },
  ]);
  t.deepEqual(removed.registry.quotas.map((q) => q.info.role), ['r2']);
});

test('UpdateWeights mutates only on new or changed weights', (t) => {
  const table: Array<[mesos.WeightInfo.$Properties[], boolean, Array<[string, number]>]> = [
    [[], false, []],
    [[{ role: 'a', weight: 2 }], true, [['a', 2]]],
    [[{ role: 'a', weight: 2 }], false, [['a', 2]]],
    [
      [
        { role: 'a', weight: 3 },
        { role: 'b', weight: 1 },
      ],
      true,
      [
        ['a', 3],
        ['b', 1],
      ],
    ],
  ];
  let registry: Registry = mesos.internal.Registry.create();
  for (const [infos, mutated, after] of table) {
    const result = applyBatch(registry, [new UpdateWeights(infos)], false);
    t.deepEqual(result.outcomes, [{ permitted: true, mutated }]);
    registry = result.registry;
    t.deepEqual(
      registry.weights.map((w) => [w.info.role, w.info.weight]),
      after,
    );
  }
});

test('cloneRegistry is deep', (t) => {
  const original = registryWith('S0');
  const copy = cloneRegistry(original);
  copy.slaves!.slaves![0]!.info.hostname = 'x';
  t.is(original.slaves?.slaves?.[0]?.info.hostname, 'host-S0');
});
