// An in-process network for deterministic tests: several runtimes in one OS
// process exchange messages without sockets. Addresses are never dialled;
// `disconnect()` simulates a broken connection (linked processes see exited).

import type { Transport, TransportHost } from '../runtime.js';
import type { UPID } from '../upid.js';

export class InMemoryNetwork {
  private readonly hosts = new Map<string, MemoryTransport>();
  private nextPort = 40000;

  /** A fresh loopback address for a new runtime. */
  allocate(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.nextPort++ };
  }

  /** @internal */
  register(address: string, transport: MemoryTransport): void {
    if (this.hosts.has(address)) throw new Error(`address ${address} is in use`);
    this.hosts.set(address, transport);
  }

  /** @internal */
  unregister(address: string): void {
    this.hosts.delete(address);
    for (const transport of this.hosts.values()) transport.peerGone(address);
  }

  /** @internal */
  lookup(address: string): MemoryTransport | undefined {
    return this.hosts.get(address);
  }

  /** Breaks every connection between `a` and `b` (both directions). */
  disconnect(a: string, b: string): void {
    this.hosts.get(a)?.peerGone(b);
    this.hosts.get(b)?.peerGone(a);
  }

  get busy(): boolean {
    for (const transport of this.hosts.values()) if (!transport.idle) return true;
    return false;
  }
}

export class MemoryTransport implements Transport {
  private readonly linked = new Set<string>();

  constructor(
    private readonly network: InMemoryNetwork,
    private readonly address: string,
    private readonly host: TransportHost,
  ) {
    network.register(address, this);
  }

  get idle(): boolean {
    return 'idle' in this.host ? Boolean((this.host as { idle: unknown }).idle) : true;
  }

  send(from: UPID, to: UPID, name: string, body: Uint8Array): void {
    const target = this.network.lookup(to.address);
    if (target === undefined) {
      this.host.log.debug({ to: to.toString(), name }, 'in-memory network: no runtime at address');
      if (this.linked.has(to.address)) this.peerGone(to.address);
      return;
    }
    // Copy so the receiver never shares memory with the sender, as on a wire.
    target.host.deliver(from.toString(), to.id, name, Buffer.from(body));
  }

  link(address: string): void {
    this.linked.add(address);
    if (this.network.lookup(address) === undefined) queueMicrotask(() => this.peerGone(address));
  }

  /** @internal */
  peerGone(address: string): void {
    if (!this.linked.delete(address)) return;
    this.host.addressLost(address);
  }

  async close(): Promise<void> {
    this.network.unregister(this.address);
  }
}
