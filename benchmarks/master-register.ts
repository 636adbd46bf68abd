// Registration of 10,000 agents with one master, in one OS process over the
// in-memory network (real RegisterSlaveMessages through the master, the
// registrar and the allocator): time until every agent has its
// SlaveRegisteredMessage. Prints `BENCH master.register_10k_agents <ms> ms`.

import { Clock, InMemoryNetwork, Process, startMemoryRuntime, type UPID } from '../libprocess/index.js';
import { mesos } from '../proto/index.js';
import { Resources } from '../common/resources.js';
import { startMaster } from '../master/daemon.js';
import { report } from './harness.js';

class FakeAgent extends Process {
  registered = false;
  constructor(
    private readonly master: UPID,
    private readonly onRegistered: () => void,
  ) {
    super('slave()');
  }
  protected override initialize(): void {
    this.install(mesos.internal.SlaveRegisteredMessage, () => {
      if (!this.registered) {
        this.registered = true;
        this.onRegistered();
      }
    });
    this.install(mesos.internal.PingSlaveMessage, (from) => this.sendProto(from, mesos.internal.PongSlaveMessage, {}));
  }
  register(resources: mesos.Resource.$Properties[]): void {
    this.sendProto(this.master, mesos.internal.RegisterSlaveMessage, {
      slave: { hostname: `agent-${this.self.id}`, resources },
      version: '1.0.0',
    });
  }
}

async function registerAgents(count: number): Promise<number> {
  const clock = new Clock();
  const network = new InMemoryNetwork();
  const masterRuntime = startMemoryRuntime(network, { clock, delegate: 'master' });
  const running = startMaster(masterRuntime, { hostname: 'bench', registry: { kind: 'in_memory' } });
  await masterRuntime.settle();
  const agentRuntime = startMemoryRuntime(network, { clock });
  const resources = Resources.parse('cpus:8;mem:16384;disk:100000;ports:[31000-32000]').toProto();
  let done = 0;
  let resolve: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolve = r));
  const agents: FakeAgent[] = [];
  for (let i = 0; i < count; i++) {
    const agent = new FakeAgent(running.master.self, () => {
      if (++done === count) resolve();
    });
    agentRuntime.spawn(agent);
    agents.push(agent);
  }
  await agentRuntime.settle();
  const start = performance.now();
  for (const agent of agents) agent.register(resources);
  await all;
  const ms = performance.now() - start;
  await running.stop();
  await agentRuntime.shutdown();
  await masterRuntime.shutdown();
  return ms;
}

export async function run(): Promise<void> {
  await registerAgents(500);
  report('master.register_10k_agents', await registerAgents(10_000), 'ms');
}
