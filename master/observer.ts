// Agent health checking: one observer process per agent pings it every
// `--agent_ping_timeout`; after `--max_agent_ping_timeouts` pings in a row go
// unanswered the master is told to remove the agent
// (SlaveObserver in src/master/master.cpp). Pongs come back to the observer,
// since the agent answers whoever pinged it.

import { Process } from '../libprocess/process.js';
import type { UPID } from '../libprocess/upid.js';
import { mesos } from '../proto/index.js';

export interface ObserverCallbacks {
  /** No pong for too long: remove the agent. */
  unhealthy(agentId: string): void;
  shutdownScheduled(): void;
  shutdownCanceled(): void;
}

export class AgentObserver extends Process {
  private timeouts = 0;
  private pinged = false;
  private connected = true;
  private shuttingDown = false;

  constructor(
    private readonly agent: UPID,
    readonly agentId: string,
    private readonly pingTimeoutMs: number,
    private readonly maxPingTimeouts: number,
    private readonly callbacks: ObserverCallbacks,
  ) {
    super('slave-observer()');
  }

  protected override initialize(): void {
    this.install(mesos.internal.PongSlaveMessage, () => this.pong());
    this.ping();
  }

  /** The master saw the agent reconnect / disconnect; the next ping says so. */
  setConnected(connected: boolean): void {
    this.connected = connected;
  }

  private ping(): void {
    this.sendProto(this.agent, mesos.internal.PingSlaveMessage, { connected: this.connected });
    this.pinged = true;
    this.delay(this.pingTimeoutMs, () => this.timeout());
  }

  private pong(): void {
    this.timeouts = 0;
    this.pinged = false;
    if (this.shuttingDown) {
      this.shuttingDown = false;
      this.callbacks.shutdownCanceled();
    }
  }

  private timeout(): void {
    if (this.pinged) {
      this.timeouts++;
      if (this.timeouts >= this.maxPingTimeouts && !this.shuttingDown) {
        this.shuttingDown = true;
        this.callbacks.shutdownScheduled();
        // Mesos may rate-limit removals (--agent_removal_rate_limit); without a
        // limit the removal is immediate.
        this.callbacks.unhealthy(this.agentId);
        return;
      }
    }
    this.ping();
  }
}
