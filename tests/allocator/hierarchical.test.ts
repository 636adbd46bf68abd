// The pure allocation policy; scenarios re-expressed from Mesos 1.0's
// src/tests/hierarchical_allocator_tests.cpp. Each step calls allocate() for
// what the process would allocate on that event (addSlave: that agent;
// addFramework, revive, quota: all agents).

import test from 'ava';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import {
  AllocatorError,
  HierarchicalAllocator,
  allocatable,
  type HierarchicalOptions,
  type Offers,
} from '../../master/allocator/hierarchical.js';

const R = (text: string): Resources => Resources.parse(text);
const REVOCABLE = [{ type: mesos.FrameworkInfo.Capability.Type.REVOCABLE_RESOURCES }];
const GPU = [{ type: mesos.FrameworkInfo.Capability.Type.GPU_RESOURCES }];

/** Offers as [framework, agent, resources text] rows. */
function rows(offers: Offers): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const [framework, byAgent] of offers) {
    for (const [agent, resources] of byAgent) out.push([framework, agent, resources.toString()]);
  }
  return out;
}

function allocator(options: HierarchicalOptions = {}): HierarchicalAllocator {
  // random() close to 1 keeps the agents in the order given.
  return new HierarchicalAllocator({ random: () => 0.9999999, ...options });
}

function addAgent(a: HierarchicalAllocator, id: string, resources: string, now = 0): Offers {
  a.addSlave(id, { hostname: id }, R(resources));
  return a.allocate([id], now);
}

function addFramework(a: HierarchicalAllocator, id: string, role: string, now = 0, capabilities = REVOCABLE.slice(0, 0)): Offers {
  a.addFramework(id, { role, capabilities });
  return a.allocate(undefined, now);
}

function decline(a: HierarchicalAllocator, offers: Offers, refuseSeconds: number | undefined, now = 0): void {
  for (const [framework, byAgent] of offers) {
    for (const [agent, resources] of byAgent) {
      a.recoverResources(framework, agent, resources, refuseSeconds === undefined ? undefined : { refuse_seconds: refuseSeconds }, now);
    }
  }
}

test('unreserved DRF: each new agent goes to the role, then framework, with the lowest share', (t) => {
  const a = allocator();
  addAgent(a, 'agent1', 'cpus:2;mem:1024;disk:0');
  t.deepEqual(rows(addFramework(a, 'f1', 'role1')), [['f1', 'agent1', 'cpus(*):2; mem(*):1024']]);
  addFramework(a, 'f2', 'role2');
  t.deepEqual(rows(addAgent(a, 'agent2', 'cpus:1;mem:512;disk:0')), [['f2', 'agent2', 'cpus(*):1; mem(*):512']]);
  t.deepEqual(rows(addAgent(a, 'agent3', 'cpus:3;mem:2048;disk:0')), [['f2', 'agent3', 'cpus(*):3; mem(*):2048']]);
  addFramework(a, 'f3', 'role1');
  t.deepEqual(rows(addAgent(a, 'agent4', 'cpus:4;mem:4096;disk:0')), [['f3', 'agent4', 'cpus(*):4; mem(*):4096']]);
  addFramework(a, 'f4', 'role1');
  // role2 has the lower share, even though f4 has nothing.
  t.deepEqual(rows(addAgent(a, 'agent5', 'cpus:1;mem:512;disk:0')), [['f2', 'agent5', 'cpus(*):1; mem(*):512']]);
  t.is(a.roleShare('role2'), 5 / 11);
});

test('reserved DRF: reserved resources count for the role and go to its frameworks', (t) => {
  const a = allocator();
  addAgent(a, 'agent1', 'cpus:1;mem:512;disk:0;cpus(role1):100;mem(role1):1024;disk(role1):0');
  t.deepEqual(rows(addFramework(a, 'f1', 'role1')), [
    ['f1', 'agent1', 'cpus(role1):100; mem(role1):1024; cpus(*):1; mem(*):512'],
  ]);
  addFramework(a, 'f2', 'role2');
  t.deepEqual(rows(addAgent(a, 'agent2', 'cpus:2;mem:512;disk:0')), [['f2', 'agent2', 'cpus(*):2; mem(*):512']]);
  t.deepEqual(rows(addAgent(a, 'agent3', 'cpus:2;mem:512;disk:0')), [['f2', 'agent3', 'cpus(*):2; mem(*):512']]);
  addFramework(a, 'f3', 'role1');
  t.deepEqual(rows(addAgent(a, 'agent4', 'cpus(role1):2;mem(role1):1024;disk(role1):0')), [
    ['f3', 'agent4', 'cpus(role1):2; mem(role1):1024'],
  ]);
});

test('reserved resources are offered only to their role; the rest to anyone', (t) => {
  const a = allocator();
  a.addFramework('f1', { role: 'role1' });
  a.addFramework('f2', { role: 'role2' });
  // role2 has nothing reserved here: it gets the unreserved part only.
  a.addSlave('agent1', { hostname: 'agent1' }, R('cpus(role1):2;mem(role1):1024;cpus:1;mem:512'));
  a.updateWeights([{ role: 'role1', weight: 0.5 }]);
  const offers = rows(a.allocate(['agent1'], 0));
  // Both roles have share 0: role1 comes first by name and takes everything it may.
  t.deepEqual(offers, [['f1', 'agent1', 'cpus(role1):2; mem(role1):1024; cpus(*):1; mem(*):512']]);

  const b = allocator();
  b.addFramework('f2', { role: 'role2' });
  b.addSlave('agent1', { hostname: 'agent1' }, R('cpus(role1):2;mem(role1):1024;cpus:1;mem:512'));
  t.deepEqual(rows(b.allocate(['agent1'], 0)), [['f2', 'agent1', 'cpus(*):1; mem(*):512']]);
  b.addFramework('f1', { role: 'role1' });
  t.deepEqual(rows(b.allocate(undefined, 0)), [['f1', 'agent1', 'cpus(role1):2; mem(role1):1024']]);
});

test('coarse-grained: one framework gets everything available on an agent', (t) => {
  const a = allocator();
  a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:2;mem:1024'));
  a.addSlave('agent2', { hostname: 'agent2' }, R('cpus:2;mem:1024'));
  a.addFramework('f1', { role: 'role1' });
  a.addFramework('f2', { role: 'role2' });
  t.deepEqual(rows(a.allocate(undefined, 0)), [
    ['f1', 'agent1', 'cpus(*):2; mem(*):1024'],
    ['f2', 'agent2', 'cpus(*):2; mem(*):1024'],
  ]);
});

test('frameworks with the same share alternate (fewer allocations first)', (t) => {
  const a = allocator();
  a.addFramework('f1', { role: '*' });
  a.addFramework('f2', { role: '*' });
  a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:2;mem:1024'));
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    const offers = a.allocate(undefined, i * 1000);
    seen.push(...offers.keys());
    decline(a, offers, undefined);
  }
  t.deepEqual(seen, ['f1', 'f2', 'f1', 'f2', 'f1', 'f2']);
});

test('a declined offer is filtered for refuse_seconds (at least one interval), then offered again', (t) => {
  const a = allocator({ allocationIntervalMs: 1000 });
  addFramework(a, 'f1', 'role');
  const first = addAgent(a, 'agent1', 'cpus:1;mem:512');
  decline(a, first, 2, 0);
  t.is(a.offerFiltersActive('role', 0), 1);
  t.deepEqual(rows(a.allocate(undefined, 1000)), []);
  const again = a.allocate(undefined, 2000);
  t.deepEqual(rows(again), [['f1', 'agent1', 'cpus(*):1; mem(*):512']]);
  t.is(a.offerFiltersActive('role', 2000), 0);

  // A filter shorter than the interval still lasts until the next batch (MESOS-4302).
  decline(a, again, 0.1, 2000);
  t.deepEqual(rows(a.allocate(undefined, 2999)), []);
  t.is(a.allocate(undefined, 3000).size, 1);
});

test('filters refuse what they contain; more, or other frameworks, pass', (t) => {
  const a = allocator();
  a.addFramework('f1', { role: '*' });
  a.addFramework('f2', { role: '*' });
  a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:4;mem:1024'));
  const offer = a.allocate(undefined, 0);
  t.deepEqual(rows(offer), [['f1', 'agent1', 'cpus(*):4; mem(*):1024']]);
  // f1 keeps half and declines the rest for a long time.
  a.recoverResources('f1', 'agent1', R('cpus:2;mem:512'), { refuse_seconds: 1000 }, 0);
  t.deepEqual(rows(a.allocate(undefined, 1000)), [['f2', 'agent1', 'cpus(*):2; mem(*):512']]);
  decline(a, new Map([['f2', new Map([['agent1', R('cpus:2;mem:512')]])]]), 1000, 1000);
  // f1 returns its other half: now there is more than f1 refused, so f1 gets it.
  a.recoverResources('f1', 'agent1', R('cpus:2;mem:512'), undefined, 1000);
  t.deepEqual(rows(a.allocate(undefined, 2000)), [['f1', 'agent1', 'cpus(*):4; mem(*):1024']]);
  t.deepEqual(
    a.offerFilters('f1', 'agent1', 2000).map((f) => f.resources.toString()),
    ['cpus(*):2; mem(*):512'],
  );
});

test('suppressed frameworks get nothing until they revive; revive drops filters', (t) => {
  const a = allocator();
  addFramework(a, 'f1', '*');
  const offers = addAgent(a, 'agent1', 'cpus:1;mem:512');
  decline(a, offers, 1000);
  a.suppressOffers('f1');
  t.true(a.framework('f1')?.suppressed);
  t.deepEqual(rows(a.allocate(undefined, 1000)), []);
  a.reviveOffers('f1');
  t.false(a.framework('f1')?.suppressed);
  t.deepEqual(rows(a.allocate(undefined, 1000)), [['f1', 'agent1', 'cpus(*):1; mem(*):512']]);
});

test('deactivated frameworks get nothing, keep their allocation, lose filters and suppression', (t) => {
  const a = allocator();
  addFramework(a, 'f1', '*');
  addAgent(a, 'agent1', 'cpus:1;mem:512');
  a.recoverResources('f1', 'agent1', R('cpus:0.5'), { refuse_seconds: 1000 }, 0);
  a.suppressOffers('f1');
  a.deactivateFramework('f1');
  t.deepEqual(a.framework('f1'), { id: 'f1', role: '*', active: false, suppressed: false, revocable: false, gpuAware: false });
  t.is(a.frameworkAllocation('f1').get('agent1')?.toString(), 'cpus(*):0.5; mem(*):512');
  t.deepEqual(rows(a.allocate(undefined, 0)), []);
  a.activateFramework('f1');
  t.deepEqual(rows(a.allocate(undefined, 0)), [['f1', 'agent1', 'cpus(*):0.5']]);
});

test('frameworks added inactive get nothing until activated', (t) => {
  const a = allocator();
  a.addFramework('f1', { role: '*' }, new Map(), false);
  addAgent(a, 'agent1', 'cpus:1;mem:512');
  t.deepEqual(rows(a.allocate(undefined, 0)), []);
  a.activateFramework('f1');
  t.is(a.allocate(undefined, 0).size, 1);
});

test('deactivated and non-whitelisted agents are not offered', (t) => {
  const a = allocator();
  a.addFramework('f1', { role: '*' });
  a.addSlave('agent1', { hostname: 'host1' }, R('cpus:1;mem:512'));
  a.addSlave('agent2', { hostname: 'host2' }, R('cpus:1;mem:512'));
  a.deactivateSlave('agent1');
  a.updateWhitelist(['host1']);
  t.deepEqual(rows(a.allocate(undefined, 0)), []);
  a.activateSlave('agent1');
  t.deepEqual(rows(a.allocate(undefined, 0)), [['f1', 'agent1', 'cpus(*):1; mem(*):512']]);
  a.updateWhitelist(undefined);
  t.deepEqual(rows(a.allocate(undefined, 0)), [['f1', 'agent2', 'cpus(*):1; mem(*):512']]);
});

test('only allocatable resources are offered (cpus >= 0.01 or mem >= 32 MB)', (t) => {
  t.false(allocatable(R('cpus:0.009;mem:31.9;disk:1000')));
  t.true(allocatable(R('cpus:0.01')));
  t.true(allocatable(R('mem:32')));
  t.false(allocatable(R('mem:31.999')));
  const a = allocator();
  addFramework(a, 'f1', '*');
  t.deepEqual(rows(addAgent(a, 'agent1', 'cpus:0.001;mem:1;disk:128')), []);
  t.deepEqual(rows(addAgent(a, 'agent2', 'cpus:0.01;disk:128')), [['f1', 'agent2', 'cpus(*):0.01; disk(*):128']]);
  t.deepEqual(rows(addAgent(a, 'agent3', 'mem:32;disk:128')), [['f1', 'agent3', 'mem(*):32; disk(*):128']]);
});

test('revocable resources go only to frameworks that asked for them', (t) => {
  const a = allocator();
  a.addFramework('plain', { role: '*' });
  a.addFramework('rev', { role: '*', capabilities: REVOCABLE });
  addAgent(a, 'agent1', 'cpus:1;mem:512');
  a.recoverResources('plain', 'agent1', R('cpus:1;mem:512'), undefined, 0);
  const cpusRev = Resources.fromProto({ name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 8 }, revocable: {} });
  a.updateSlave('agent1', cpusRev);
  t.is(a.agent('agent1')?.total.toString(), 'cpus(*):1; mem(*):512; cpus(*){REV}:8');
  // `rev` has had fewer allocations, so it comes first and may take everything.
  const all = a.allocate(['agent1'], 0);
  t.deepEqual(rows(all), [['rev', 'agent1', 'cpus(*):1; mem(*):512; cpus(*){REV}:8']]);
  decline(a, all, undefined);
  // Now tied, `plain` comes first by name and takes only the non-revocable part.
  t.deepEqual(rows(a.allocate(['agent1'], 0)), [
    ['plain', 'agent1', 'cpus(*):1; mem(*):512'],
    ['rev', 'agent1', 'cpus(*){REV}:8'],
  ]);
  t.throws(() => a.updateSlave('agent1', R('cpus:1')), { instanceOf: AllocatorError });
});

test('agents with GPUs are offered only to GPU-aware frameworks', (t) => {
  const a = allocator();
  a.addFramework('plain', { role: '*' });
  a.addFramework('gpu', { role: '*', capabilities: GPU });
  t.deepEqual(rows(addAgent(a, 'agent1', 'cpus:1;mem:512;gpus:1')), [['gpu', 'agent1', 'cpus(*):1; mem(*):512; gpus(*):1']]);
  a.updateFramework('plain', { role: '*', capabilities: GPU });
  t.true(a.framework('plain')?.gpuAware);
  t.throws(() => a.updateFramework('plain', { role: 'other' }), { message: /cannot change its role/ });
});

test('role weights: a heavier role gets more before it is ahead', (t) => {
  const a = allocator({ weights: { heavy: 3 } });
  a.addFramework('h', { role: 'heavy' });
  a.addFramework('l', { role: 'light' });
  const winners: string[] = [];
  for (let i = 1; i <= 8; i++) winners.push(...addAgent(a, `agent${i}`, 'cpus:1;mem:100').keys());
  t.deepEqual(winners, ['h', 'l', 'h', 'h', 'h', 'l', 'h', 'h']);
  t.is(a.roleWeight('heavy'), 3);
  t.is(a.roleWeight('light'), 1);
});

test('updateWeights reports whether a role with frameworks changed', (t) => {
  const a = allocator();
  a.addFramework('f', { role: 'r1' });
  t.false(a.updateWeights([{ role: 'other', weight: 2 }]));
  t.true(a.updateWeights([{ role: 'r1', weight: 2 }]));
  t.is(a.roleWeight('r1'), 2);
});

test('the --roles whitelist refuses other roles; * is always allowed', (t) => {
  const a = allocator({ roles: ['dev'] });
  a.addFramework('f1', { role: 'dev' });
  a.addFramework('f2', { role: '*' });
  t.throws(() => a.addFramework('f3', { role: 'prod' }), { message: "Role 'prod' is not in the role whitelist" });
  t.deepEqual(a.roles().sort(), ['*', 'dev']);
});

test('removing a framework frees its allocation and its role when it was the last', (t) => {
  const a = allocator();
  addFramework(a, 'f1', 'r1');
  addAgent(a, 'agent1', 'cpus:1;mem:512');
  t.deepEqual(a.roles(), ['r1']);
  a.removeFramework('f1');
  t.deepEqual(a.roles(), []);
  t.false(a.hasFramework('f1'));
  // The agent's resources come back through recoverResources, as the master does.
  t.is(a.agent('agent1')?.allocated.toString(), 'cpus(*):1; mem(*):512');
  a.recoverResources('f1', 'agent1', R('cpus:1;mem:512'), undefined, 0);
  t.true(a.agent('agent1')?.allocated.isEmpty());
  addFramework(a, 'f2', 'r2');
  t.is(a.frameworkAllocation('f2').get('agent1')?.toString(), 'cpus(*):1; mem(*):512');
});

test('used resources passed with an agent or a framework count as allocated', (t) => {
  const a = allocator();
  a.addFramework('f1', { role: 'r' });
  a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:4;mem:1024'), new Map([['f1', R('cpus:3;mem:512')], ['gone', R('cpus:1')]]));
  t.is(a.agent('agent1')?.allocated.toString(), 'cpus(*):4; mem(*):512');
  t.deepEqual(rows(a.allocate(undefined, 0)), [['f1', 'agent1', 'mem(*):512']]);
  const b = allocator();
  b.addSlave('agent1', { hostname: 'agent1' }, R('cpus:4;mem:1024'), new Map([['f1', R('cpus:3;mem:512')]]));
  b.addFramework('f1', { role: 'r' }, new Map([['agent1', R('cpus:3;mem:512')]]));
  t.is(b.frameworkAllocation('f1').get('agent1')?.toString(), 'cpus(*):3; mem(*):512');
  t.is(b.resourcesOfferedOrAllocated('cpus'), 3);
  t.is(b.resourcesTotal('mem'), 1024);
});

test('recovering more than was allocated is a caller error', (t) => {
  const a = allocator();
  addFramework(a, 'f1', '*');
  addAgent(a, 'agent1', 'cpus:1;mem:512');
  t.throws(() => a.recoverResources('f1', 'agent1', R('cpus:2'), undefined, 0), { instanceOf: AllocatorError });
  // Unknown framework or agent: recovered quietly, no filter.
  a.recoverResources('nobody', 'agent1', R('cpus:1'), { refuse_seconds: 100 }, 0);
  a.recoverResources('f1', 'gone', R('cpus:1'), { refuse_seconds: 100 }, 0);
  t.is(a.agent('agent1')?.allocated.toString(), 'mem(*):512');
});

test('quota: the quota role is served first and declined quota resources are held back', (t) => {
  const a = allocator({ allocationIntervalMs: 1000 });
  a.addFramework('f1', { role: 'quota-role' });
  a.setQuota('quota-role', R('cpus:2;mem:1024'));
  a.addFramework('f2', { role: 'no-quota-role' });
  t.deepEqual(rows(addAgent(a, 'agent1', 'cpus:1;mem:512;disk:0')), [['f1', 'agent1', 'cpus(*):1; mem(*):512']]);
  const second = addAgent(a, 'agent2', 'cpus:1;mem:512;disk:0');
  t.deepEqual(rows(second), [['f1', 'agent2', 'cpus(*):1; mem(*):512']]);
  decline(a, second, 2, 0);
  // f2 must not get what the quota role is still owed.
  t.deepEqual(rows(a.allocate(undefined, 1000)), []);
  t.deepEqual(rows(a.allocate(undefined, 2000)), [['f1', 'agent2', 'cpus(*):1; mem(*):512']]);
  t.is(a.quotaAllocated('quota-role', 'cpus'), 2);
});

test('quota: a satisfied quota role gets no more unreserved resources; others do', (t) => {
  const a = allocator();
  a.addFramework('q', { role: 'q' });
  a.addFramework('n', { role: 'n' });
  a.setQuota('q', R('cpus:1;mem:512'));
  t.deepEqual(rows(addAgent(a, 'agent1', 'cpus:1;mem:512')), [['q', 'agent1', 'cpus(*):1; mem(*):512']]);
  t.deepEqual(rows(addAgent(a, 'agent2', 'cpus:1;mem:512')), [['n', 'agent2', 'cpus(*):1; mem(*):512']]);
  t.deepEqual(rows(addAgent(a, 'agent3', 'cpus:1;mem:512')), [['n', 'agent3', 'cpus(*):1; mem(*):512']]);
  a.removeQuota('q');
  t.deepEqual(rows(addAgent(a, 'agent4', 'cpus:1;mem:512')), [['q', 'agent4', 'cpus(*):1; mem(*):512']]);
  t.throws(() => a.removeQuota('q'), { instanceOf: AllocatorError });
});

test('quota: resources owed to a role without frameworks are not handed to others', (t) => {
  const a = allocator();
  a.setQuota('absent', R('cpus:2;mem:1024'));
  a.addFramework('n', { role: 'n' });
  t.deepEqual(rows(addAgent(a, 'agent1', 'cpus:2;mem:1024')), []);
  t.deepEqual(rows(addAgent(a, 'agent2', 'cpus:1;mem:512')), [['n', 'agent2', 'cpus(*):1; mem(*):512']]);
  t.deepEqual(a.quotaRoles(), ['absent']);
});

test('recover() with quota pauses allocation until enough agents are back', (t) => {
  const a = allocator();
  t.false(a.recover(10, new Map()));
  t.true(a.recover(5, new Map([['q', R('cpus:1')]])));
  t.true(a.paused);
  a.addFramework('f', { role: 'q' });
  for (let i = 1; i <= 3; i++) {
    a.addSlave(`agent${i}`, { hostname: `agent${i}` }, R('cpus:1;mem:32'));
    t.is(a.allocate(undefined, 0).size, i < 4 ? 0 : 1);
  }
  a.addSlave('agent4', { hostname: 'agent4' }, R('cpus:1;mem:32'));
  t.false(a.paused, '4 of 5 expected agents is 80%');
  t.is(a.allocate(undefined, 0).size, 1);
  t.throws(() => a.recover(1, new Map([['x', R('cpus:1')]])), { instanceOf: AllocatorError });
});

test('updateAllocation applies operations to the allocation and the agent', (t) => {
  const a = allocator();
  addFramework(a, 'f1', 'role');
  addAgent(a, 'agent1', 'cpus:4;mem:1024');
  const reserved = { name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 1 }, role: 'role', reservation: { principal: 'p' } };
  a.updateAllocation('f1', 'agent1', [{ type: mesos.Offer.Operation.Type.RESERVE, reserve: { resources: [reserved] } }]);
  t.is(a.agent('agent1')?.total.toString(), 'cpus(*):3; mem(*):1024; cpus(role, p):1');
  t.is(a.frameworkAllocation('f1').get('agent1')?.toString(), 'cpus(*):3; mem(*):1024; cpus(role, p):1');
  t.is(a.resourcesTotal('cpus'), 4);
});

test('updateAvailable applies operations to unallocated resources or fails', (t) => {
  const a = allocator();
  a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:4;mem:1024'));
  const reserved = { name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 1 }, role: 'role', reservation: { principal: 'p' } };
  a.updateAvailable('agent1', [{ type: mesos.Offer.Operation.Type.RESERVE, reserve: { resources: [reserved] } }]);
  t.is(a.agent('agent1')?.total.toString(), 'cpus(*):3; mem(*):1024; cpus(role, p):1');
  const tooMuch = { ...reserved, scalar: { value: 10 } };
  t.throws(() => a.updateAvailable('agent1', [{ type: mesos.Offer.Operation.Type.RESERVE, reserve: { resources: [tooMuch] } }]), {
    message: /does not contain/,
  });
});

test('removing an agent drops it and its total', (t) => {
  const a = allocator();
  a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:4;mem:1024'));
  a.removeSlave('agent1');
  t.false(a.hasAgent('agent1'));
  t.is(a.resourcesTotal('cpus'), 0);
  t.throws(() => a.removeSlave('agent1'), { message: 'Unknown agent agent1' });
  t.throws(() => a.suppressOffers('nobody'), { message: 'Unknown framework nobody' });
});

test('allocation is skipped while paused and counted when it runs', (t) => {
  const a = allocator();
  a.pause();
  a.allocate(undefined, 0);
  t.is(a.allocationRuns, 0);
  a.resume();
  a.allocate(undefined, 0);
  t.is(a.allocationRuns, 1);
});

test('agents are visited in shuffled order', (t) => {
  const winners = (random: () => number): string[] => {
    const a = new HierarchicalAllocator({ random });
    a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:1;mem:512'));
    a.addSlave('agent2', { hostname: 'agent2' }, R('cpus:2;mem:512'));
    a.addFramework('f1', { role: 'a' });
    a.addFramework('f2', { role: 'b' });
    return rows(a.allocate(undefined, 0)).map(([f, agent]) => `${f}@${agent}`);
  };
  t.deepEqual(winners(() => 0.9999999), ['f1@agent1', 'f2@agent2']);
  t.deepEqual(winners(() => 0), ['f1@agent2', 'f2@agent1']);
});

test('an offer returned whole restores the agent; partial or equal-but-different returns recompute', (t) => {
  const a = allocator();
  addFramework(a, 'f1', '*');
  const first = addAgent(a, 'agent1', 'cpus:4;mem:1024;ports:[31000-32000]');
  const offer = first.get('f1')?.get('agent1') as Resources;
  a.recoverResources('f1', 'agent1', offer, undefined, 0);
  t.true(a.agent('agent1')?.allocated.isEmpty());
  const second = a.allocate(undefined, 0).get('f1')?.get('agent1');
  t.is(second, offer, 'the same object is offered again');
  // An equal value that is another object takes the general path.
  a.recoverResources('f1', 'agent1', R('cpus:4;mem:1024;ports:[31000-32000]'), undefined, 0);
  t.true(a.agent('agent1')?.allocated.isEmpty());
  const third = a.allocate(undefined, 0).get('f1')?.get('agent1') as Resources;
  t.true(third.equals(offer));
  // Part of it comes back, then the rest.
  a.recoverResources('f1', 'agent1', R('cpus:1;ports:[31000-31009]'), undefined, 0);
  t.is(a.agent('agent1')?.allocated.toString(), 'cpus(*):3; mem(*):1024; ports(*):[31010-32000]');
  t.is(a.allocate(undefined, 0).get('f1')?.get('agent1')?.toString(), 'cpus(*):1; ports(*):[31000-31009]');
  t.is(a.frameworkAllocation('f1').get('agent1')?.toString(), 'cpus(*):4; mem(*):1024; ports(*):[31000-32000]');
});
