// The allocator process: batch allocation on the runtime clock, allocation on
// the events Mesos 1.0 allocates on, and the 1.0 allocator metrics
// (hierarchical.cpp, metrics.cpp; hierarchical_allocator_tests.cpp).

import test from 'ava';
import { Clock, InMemoryNetwork, startMemoryRuntime, type Runtime } from '../../libprocess/index.js';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { AllocatorProcess, type AllocatorProcessOptions } from '../../master/allocator/process.js';
import { RECOVERY_TIMEOUT_MS } from '../../master/allocator/hierarchical.js';

process.env['MESOS_TS_LOG_LEVEL'] = 'fatal';

const R = (text: string): Resources => Resources.parse(text);

interface Harness {
  runtime: Runtime;
  clock: Clock;
  allocator: AllocatorProcess;
  /** Offers received, as "framework@agent: resources". */
  offers: string[];
  take(): string[];
  run(fn: (a: AllocatorProcess) => void): Promise<void>;
  metric(name: string): Promise<number | undefined>;
}

async function start(options: Partial<AllocatorProcessOptions> = {}): Promise<Harness> {
  const clock = new Clock();
  clock.pause();
  const runtime = startMemoryRuntime(new InMemoryNetwork(), { clock });
  const offers: string[] = [];
  const allocator = new AllocatorProcess({
    random: () => 0.9999999,
    offerCallback: (frameworkId, byAgent) => {
      for (const [agentId, resources] of byAgent) offers.push(`${frameworkId}@${agentId}: ${resources.toString()}`);
    },
    ...options,
  });
  runtime.spawn(allocator);
  await runtime.settle();
  return {
    runtime,
    clock,
    allocator,
    offers,
    take: () => offers.splice(0),
    run: async (fn) => {
      await runtime.dispatch(allocator, fn);
      await runtime.settle();
    },
    metric: async (name) => (await runtime.metrics.snapshot()).get(name),
  };
}

async function advance(h: Harness, ms: number): Promise<void> {
  h.clock.advance(ms);
  await h.runtime.settle();
}

test('the process id is generated like libprocess ids', async (t) => {
  const h = await start();
  t.is(h.allocator.self.id, 'hierarchical-allocator(1)');
  await h.runtime.shutdown();
});

test('adding an agent or a framework allocates at once; later, every allocation interval', async (t) => {
  const h = await start({ allocationIntervalMs: 1000 });
  await h.run((a) => a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:2;mem:1024')));
  t.deepEqual(h.take(), []);
  await h.run((a) => a.addFramework('f1', { role: '*' }));
  t.deepEqual(h.take(), ['f1@agent1: cpus(*):2; mem(*):1024']);
  await h.run((a) => a.addSlave('agent2', { hostname: 'agent2' }, R('cpus:1;mem:512')));
  t.deepEqual(h.take(), ['f1@agent2: cpus(*):1; mem(*):512']);

  // Recovered resources wait for the next batch (1.0 does not allocate on recovery).
  await h.run((a) => a.recoverResources('f1', 'agent1', R('cpus:2;mem:1024')));
  t.deepEqual(h.take(), []);
  await advance(h, 999);
  t.deepEqual(h.take(), []);
  await advance(h, 1);
  t.deepEqual(h.take(), ['f1@agent1: cpus(*):2; mem(*):1024']);
  await h.runtime.shutdown();
});

test('a declined offer is filtered until refuse_seconds pass (OfferFilter)', async (t) => {
  const h = await start({ allocationIntervalMs: 1000 });
  await h.run((a) => a.addFramework('f1', { role: 'role' }));
  await h.run((a) => a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:1;mem:512;disk:0')));
  t.deepEqual(h.take(), ['f1@agent1: cpus(*):1; mem(*):512']);
  await h.run((a) => a.recoverResources('f1', 'agent1', R('cpus:1;mem:512'), { refuse_seconds: 2 }));
  t.is(await h.metric('allocator/mesos/offer_filters/roles/role/active'), 1);
  await advance(h, 1000);
  t.deepEqual(h.take(), []);
  await advance(h, 1000);
  t.deepEqual(h.take(), ['f1@agent1: cpus(*):1; mem(*):512']);
  t.is(await h.metric('allocator/mesos/offer_filters/roles/role/active'), 0);
  await h.runtime.shutdown();
});

test('suppress stops offers; revive allocates at once (SuppressAndReviveOffers)', async (t) => {
  const h = await start({ allocationIntervalMs: 1000 });
  await h.run((a) => a.addFramework('f1', { role: '*' }));
  await h.run((a) => a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:1;mem:512')));
  h.take();
  await h.run((a) => {
    a.recoverResources('f1', 'agent1', R('cpus:1;mem:512'), { refuse_seconds: 0 });
    a.suppressOffers('f1');
  });
  await advance(h, 5000);
  t.deepEqual(h.take(), []);
  await h.run((a) => a.reviveOffers('f1'));
  t.deepEqual(h.take(), ['f1@agent1: cpus(*):1; mem(*):512']);
  await h.runtime.shutdown();
});

test('activating a framework allocates; activating an agent waits for the batch', async (t) => {
  const h = await start({ allocationIntervalMs: 1000 });
  await h.run((a) => {
    a.addFramework('f1', { role: '*' });
    a.deactivateFramework('f1');
    a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:1;mem:512'));
  });
  t.deepEqual(h.take(), []);
  await h.run((a) => a.activateFramework('f1'));
  t.deepEqual(h.take(), ['f1@agent1: cpus(*):1; mem(*):512']);
  await h.run((a) => {
    a.deactivateSlave('agent1');
    a.recoverResources('f1', 'agent1', R('cpus:1;mem:512'));
  });
  await advance(h, 1000);
  t.deepEqual(h.take(), []);
  await h.run((a) => a.activateSlave('agent1'));
  t.deepEqual(h.take(), []);
  await advance(h, 1000);
  t.deepEqual(h.take(), ['f1@agent1: cpus(*):1; mem(*):512']);
  await h.runtime.shutdown();
});

test('updateSlave allocates the agent; updateWeights allocates when a role with frameworks changed', async (t) => {
  const h = await start({ allocationIntervalMs: 60_000 });
  await h.run((a) => {
    a.addFramework('f1', { role: 'r', capabilities: [{ type: mesos.FrameworkInfo.Capability.Type.REVOCABLE_RESOURCES }] });
    a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:1;mem:512'));
  });
  h.take();
  const revocable = Resources.fromProto({ name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 4 }, revocable: {} });
  await h.run((a) => a.updateSlave('agent1', revocable));
  t.deepEqual(h.take(), ['f1@agent1: cpus(*){REV}:4']);
  await h.run((a) => a.recoverResources('f1', 'agent1', revocable));
  await h.run((a) => a.updateWeights([{ role: 'other', weight: 2 }]));
  t.deepEqual(h.take(), []);
  await h.run((a) => a.updateWeights([{ role: 'r', weight: 2 }]));
  t.deepEqual(h.take(), ['f1@agent1: cpus(*){REV}:4']);
  await h.runtime.shutdown();
});

test('setQuota and removeQuota allocate and publish quota gauges', async (t) => {
  const h = await start({ allocationIntervalMs: 60_000 });
  await h.run((a) => {
    a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:2;mem:1024'));
    a.addFramework('q', { role: 'q' });
  });
  h.take();
  await h.run((a) => a.recoverResources('q', 'agent1', R('cpus:2;mem:1024')));
  await h.run((a) => a.setQuota('q', { role: 'q', guarantee: R('cpus:1;mem:512').toProto() }));
  t.deepEqual(h.take(), ['q@agent1: cpus(*):2; mem(*):1024']);
  t.is(await h.metric('allocator/mesos/quota/roles/q/resources/cpus/guarantee'), 1);
  t.is(await h.metric('allocator/mesos/quota/roles/q/resources/mem/guarantee'), 512);
  t.is(await h.metric('allocator/mesos/quota/roles/q/resources/cpus/offered_or_allocated'), 2);
  await h.run((a) => a.recoverResources('q', 'agent1', R('cpus:2;mem:1024')));
  await h.run((a) => a.removeQuota('q'));
  t.deepEqual(h.take(), ['q@agent1: cpus(*):2; mem(*):1024']);
  t.is(await h.metric('allocator/mesos/quota/roles/q/resources/cpus/guarantee'), undefined);
  await h.runtime.shutdown();
});

test('metrics: allocation runs, resources, roles and dominant shares', async (t) => {
  const h = await start({ allocationIntervalMs: 1000 });
  await h.run((a) => {
    a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:2;mem:1024;disk:100'));
    a.addFramework('f1', { role: 'r1' });
  });
  const snapshot = await h.runtime.metrics.snapshot();
  t.is(snapshot.get('allocator/mesos/allocation_runs'), 2);
  t.true(snapshot.has('allocator/mesos/allocation_run_ms'));
  t.is(snapshot.get('allocator/event_queue_dispatches'), 0);
  t.is(snapshot.get('allocator/mesos/event_queue_dispatches'), 0);
  t.is(snapshot.get('allocator/mesos/resources/cpus/total'), 2);
  t.is(snapshot.get('allocator/mesos/resources/mem/total'), 1024);
  t.is(snapshot.get('allocator/mesos/resources/disk/total'), 100);
  t.is(snapshot.get('allocator/mesos/resources/cpus/offered_or_allocated'), 2);
  t.is(snapshot.get('allocator/mesos/roles/r1/shares/dominant'), 1);
  t.is(snapshot.get('allocator/mesos/offer_filters/roles/r1/active'), 0);
  for (let i = 0; i < 3; i++) await advance(h, 1000);
  t.is(await h.metric('allocator/mesos/allocation_runs'), 5);
  await h.run((a) => a.removeFramework('f1'));
  t.is(await h.metric('allocator/mesos/roles/r1/shares/dominant'), undefined);
  t.is(await h.metric('allocator/mesos/offer_filters/roles/r1/active'), undefined);
  h.runtime.terminate(h.allocator);
  await h.runtime.wait(h.allocator);
  t.is(await h.metric('allocator/mesos/allocation_runs'), undefined);
  await h.runtime.shutdown();
});

test('recover() with quota holds allocation for 10 minutes or until agents return', async (t) => {
  const h = await start({ allocationIntervalMs: 1000 });
  await h.run((a) => {
    a.recover(10, new Map([['q', R('cpus:1')]]));
    a.addFramework('f1', { role: 'q' });
    a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:1;mem:512'));
  });
  await advance(h, 5000);
  t.deepEqual(h.take(), []);
  await advance(h, RECOVERY_TIMEOUT_MS - 5000);
  t.deepEqual(h.take(), []);
  // Resumed: the next batch allocates.
  await advance(h, 1000);
  t.deepEqual(h.take(), ['f1@agent1: cpus(*):1; mem(*):512']);
  await h.runtime.shutdown();
});

test('failed calls reject the dispatch', async (t) => {
  const h = await start();
  await h.run((a) => a.addSlave('agent1', { hostname: 'agent1' }, R('cpus:1;mem:512')));
  const reserve = {
    type: mesos.Offer.Operation.Type.RESERVE,
    reserve: { resources: [{ name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 5 }, role: 'r', reservation: {} }] },
  };
  await t.throwsAsync(h.runtime.dispatch(h.allocator, (a) => a.updateAvailable('agent1', [reserve])), {
    message: /does not contain/,
  });
  await t.throwsAsync(h.runtime.dispatch(h.allocator, (a) => a.removeFramework('nobody')), { message: 'Unknown framework nobody' });
  await h.run((a) => a.requestResources('nobody', []));
  t.pass();
  await h.runtime.shutdown();
});
