// Offers: turning the allocator's allocations into ResourceOffersMessages,
// declines, rescinds and `--offer_timeout` (src/master/master.cpp: offer,
// decline, offerTimeout, removeOffer).

import { mesos } from '../proto/index.js';
import type { Resources } from '../common/resources.js';
import type { Master } from './master.js';
import type { Framework, OfferRecord } from './model.js';

/** The allocator offers `resources` (by agent id) to a framework. */
export function offer(master: Master, frameworkId: string, resources: ReadonlyMap<string, Resources>): void {
  const state = master.state;
  const framework = state.frameworks.get(frameworkId);
  if (framework === undefined || !framework.active) {
    for (const [agentId, offered] of resources) master.allocator.recoverResources(frameworkId, agentId, offered);
    return;
  }
  const message: mesos.internal.ResourceOffersMessage.$Properties = { offers: [], pids: [] };
  for (const [agentId, offered] of resources) {
    const agent = state.agents.get(agentId);
    if (agent === undefined || !agent.active) {
      master.allocator.recoverResources(frameworkId, agentId, offered);
      continue;
    }
    const id = master.ids.offer();
    const proto: mesos.Offer.$Properties = {
      id: { value: id },
      framework_id: { value: frameworkId },
      slave_id: { value: agentId },
      hostname: agent.info.hostname,
      url: {
        scheme: 'http',
        address: { hostname: agent.info.hostname, ip: agent.pid.host, port: agent.pid.port },
        path: `/${agent.pid.id}`,
      },
      resources: offered.toProto(),
      attributes: agent.info.attributes ?? [],
      executor_ids: [...(agent.executors.get(frameworkId)?.keys() ?? [])].map((value) => ({ value })),
    };
    const record: OfferRecord = { offer: proto, id, frameworkId, agentId, resources: offered, timer: undefined };
    state.offers.set(id, record);
    framework.offers.add(id);
    framework.offeredResources = framework.offeredResources.plus(offered);
    agent.offers.add(id);
    agent.offeredResources = agent.offeredResources.plus(offered);
    const timeout = master.opts.offerTimeoutMs;
    if (timeout !== undefined) record.timer = master.delay(timeout, () => recoverAndRemove(master, id, true));
    message.offers?.push({ ...proto, resources: (proto.resources ?? []).filter((r) => r.name !== 'ephemeral_ports') });
    message.pids?.push(agent.pid.toString());
  }
  if ((message.offers?.length ?? 0) === 0) return;
  master.sendToFramework(framework, mesos.internal.ResourceOffersMessage, message);
}

/** Gives an offer's resources back to the allocator and removes it, optionally telling the framework. */
export function recoverAndRemove(master: Master, offerId: string, rescind: boolean, refuseSeconds?: number): void {
  const record = master.state.offers.get(offerId);
  if (record === undefined) return;
  master.allocator.recoverResources(record.frameworkId, record.agentId, record.resources, refuseSeconds);
  remove(master, record, rescind);
}

/** Removes an offer (its resources are accounted for by the caller). */
export function remove(master: Master, record: OfferRecord, rescind: boolean): void {
  const state = master.state;
  const framework = state.frameworks.get(record.frameworkId);
  if (framework !== undefined) {
    framework.offers.delete(record.id);
    framework.offeredResources = framework.offeredResources.minus(record.resources);
    if (rescind) {
      master.sendToFramework(framework, mesos.internal.RescindResourceOfferMessage, { offer_id: { value: record.id } });
    }
  }
  const agent = state.agents.get(record.agentId);
  if (agent !== undefined) {
    agent.offers.delete(record.id);
    agent.offeredResources = agent.offeredResources.minus(record.resources);
  }
  record.timer?.cancel();
  state.offers.delete(record.id);
}

export function decline(master: Master, framework: Framework, decline: mesos.scheduler.Call.Decline.$Properties): void {
  master.metrics.inc('messages_decline_offers');
  for (const offerId of decline.offer_ids ?? []) {
    const record = master.state.offers.get(offerId.value);
    if (record === undefined || record.frameworkId !== framework.id) continue;
    recoverAndRemove(master, record.id, false, refuseSecondsOf(decline.filters));
  }
}

/** Filters.refuse_seconds, defaulting to 5 seconds as in mesos.proto. */
export function refuseSecondsOf(filters: mesos.Filters.$Properties | null | undefined): number | undefined {
  if (filters === null || filters === undefined) return undefined;
  return filters.refuse_seconds ?? 5;
}
