import test from 'ava';
import { mesos } from '../../proto/index.js';
import { messageName } from '../../libprocess/process.js';
import { InMemoryStorage } from '../../master/state/in-memory.js';
import { Cluster } from './harness.js';

const m = mesos.internal;

test('offers held longer than --offer_timeout are rescinded and re-offered', async (t) => {
  const cluster = new Cluster({ offerTimeoutMs: 30_000, allocationIntervalMs: 1000 });
  await cluster.settle();
  await cluster.agent();
  const scheduler = await cluster.framework();
  const offer = (await scheduler.offers()).offers[0] as mesos.Offer;
  await cluster.advance(29_000);
  t.is(scheduler.process.count(messageName(m.RescindResourceOfferMessage)), 0);
  await cluster.advance(2_000);
  const rescind = await scheduler.process.next(m.RescindResourceOfferMessage);
  t.is(rescind.message.offer_id.value, offer.id.value);
  await cluster.advance(2_000);
  t.true(scheduler.process.count(messageName(m.ResourceOffersMessage)) >= 1, 'the resources come back in a new offer');
  await cluster.stop();
});

test('after a master restart, agents that re-register are kept and the others are removed after the timeout', async (t) => {
  const storage = new InMemoryStorage();
  const first = new Cluster({ registry: { kind: 'storage', storage }, agentReregisterTimeoutMs: 600_000 });
  await first.settle();
  const staying = await first.agent('cpus:1;mem:128', 'staying');
  const leaving = await first.agent('cpus:1;mem:128', 'leaving');
  await first.stop();

  // A new master over the same registry storage.
  const second = new Cluster({ registry: { kind: 'storage', storage }, agentReregisterTimeoutMs: 600_000, masterId: 'MASTER2' });
  await second.settle();
  t.is(second.running.master.state.recovered.size, 2);
  // The surviving agent re-registers with its id.
  const runtime = second.peerRuntime();
  const { AgentPeer } = await import('./harness.js');
  const peer = new AgentPeer();
  runtime.spawn(peer);
  await second.settle();
  peer.sendProto(second.master, m.ReregisterSlaveMessage, {
    slave: { ...staying.info(), id: { value: staying.id }, port: peer.self.port },
    version: '1.0.0',
  });
  await second.settle();
  t.is((await peer.next(m.SlaveReregisteredMessage)).message.slave_id.value, staying.id);
  t.is(await second.metric('master/slave_reregistrations'), 1);
  const scheduler = await second.framework();
  await second.advance(600_000, 60_000);
  t.is(await second.metric('master/recovery_slave_removals'), 1);
  const lost = await scheduler.process.next(m.LostSlaveMessage);
  t.is(lost.message.slave_id.value, leaving.id);
  t.true(second.running.master.state.agents.has(staying.id));
  t.false(second.running.master.state.agents.has(leaving.id));
  // The removed agent may not come back.
  const late = new AgentPeer();
  second.peerRuntime().spawn(late);
  await second.settle();
  late.sendProto(second.master, m.ReregisterSlaveMessage, { slave: { ...leaving.info(), id: { value: leaving.id } }, version: '1.0.0' });
  await second.settle();
  t.is((await late.next(m.ShutdownMessage)).message.message, 'Agent attempted to re-register after removal');
  await second.stop();
});
