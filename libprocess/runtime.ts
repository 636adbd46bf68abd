// The runtime: spawns processes, owns their mailboxes and runs them one event
// at a time, round-robin, so a busy process cannot starve the others. Local
// messages go mailbox to mailbox; remote ones go through a Transport. Links
// turn a terminated process or a broken connection into `exited` events.

import { Clock } from './clock.js';
import type { Request, Response } from './http/types.js';
import { badRequest, internalServerError, notFound } from './http/responses.js';
import { createLogger, type Logger } from './logging.js';
import { MetricsRegistry, type Counter } from './metrics.js';
import { type Process, normalizeRoute } from './process.js';
import { Queue } from './queue.js';
import { IdGenerator, UPID } from './upid.js';

/** What a runtime needs from the network underneath it. */
export interface Transport {
  /** Sends a message to a process at another address. Best effort. */
  send(from: UPID, to: UPID, name: string, body: Uint8Array): void;
  /** Keeps a connection to `address` and reports its loss through TransportHost.addressLost. */
  link(address: string): void;
  close(): Promise<void>;
  /** Events in flight inside the transport (for settle()). */
  readonly busy?: boolean;
}

/** What a transport calls back into. */
export interface TransportHost {
  /** Delivers an inbound message; false when no process has that id. */
  deliver(from: string, toId: string, name: string, body: Buffer): boolean;
  /** Routes an HTTP request; `respond` is called exactly once. */
  handleHttp(request: Request, respond: (response: Response) => void): void;
  /** The connection to `address` broke: linked processes there are gone. */
  addressLost(address: string): void;
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
}

export type TransportFactory = (host: TransportHost) => Transport;

/** A message as seen by filters (tests drop or capture by name). */
export interface MessageRecord {
  from: string;
  to: UPID;
  name: string;
  body: Buffer;
}

/** Returns true to drop the message. */
export type MessageFilter = (message: MessageRecord) => boolean;

export class ProcessNotFoundError extends Error {
  constructor(readonly pid: string) {
    super(`Process '${pid}' does not exist or has terminated`);
    this.name = 'ProcessNotFoundError';
  }
}

export interface RuntimeOptions {
  /** Address this runtime's UPIDs carry (the advertised ip/port). */
  host: string;
  port: number;
  clock?: Clock;
  log?: Logger;
  /** Process id that receives HTTP requests naming no process (e.g. `master`). */
  delegate?: string;
  /** Events a process handles per turn before the next process runs. */
  batch?: number;
  /** Milliseconds of handler work before the runtime yields to I/O. */
  sliceMs?: number;
  /** Extra host names that mean this runtime (e.g. 0.0.0.0, localhost). */
  aliases?: readonly string[];
}

const MESSAGE = 0;
const DISPATCH = 1;
const HTTP = 2;
const EXITED = 3;
const TERMINATE = 4;

type Event =
  | { k: typeof MESSAGE; from: string; name: string; body: Buffer }
  | { k: typeof DISPATCH; fn: () => void; discard: (() => void) | undefined }
  | { k: typeof HTTP; request: Request; respond: (response: Response) => void }
  | { k: typeof EXITED; pid: UPID }
  | { k: typeof TERMINATE };

type SlotState = 'running' | 'terminated';

class Slot {
  readonly mailbox = new Queue<Event>();
  queued = false;
  state: SlotState = 'running';
  readonly waiters: Array<() => void> = [];
  /** Pids (as strings) this process linked to. */
  readonly links = new Set<string>();
  constructor(
    readonly process: Process,
    readonly pid: UPID,
  ) {}
}

export class Runtime implements TransportHost {
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
  readonly ids = new IdGenerator();
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly delegate: string | undefined;

  private readonly processes = new Map<string, Slot>();
  private readonly runQueue = new Queue<Slot>();
  private readonly batch: number;
  private readonly sliceMs: number;
  private readonly localAddresses: Set<string>;
  /** target pid string -> slots linked to it */
  private readonly linkers = new Map<string, Set<Slot>>();
  /** remote address -> target pid strings linked there */
  private readonly remoteLinks = new Map<string, Set<string>>();
  private readonly upidCache = new Map<string, UPID>();
  private readonly filters: MessageFilter[] = [];
  private transport: Transport | undefined;
  private scheduled = false;
  private inflightHttp = 0;
  private stopped = false;
  /** Marker cached on UPIDs found remote by this runtime. */
  private readonly notLocal = {};

  private readonly counters: {
    received: Counter;
    sent: Counter;
    unknownReceiver: Counter;
    undecodable: Counter;
    handlerErrors: Counter;
    invalidFrom: Counter;
  };

  constructor(options: RuntimeOptions) {
    this.clock = options.clock ?? new Clock();
    this.log = options.log ?? createLogger();
    this.metrics = new MetricsRegistry(this.clock);
    this.host = options.host;
    this.port = options.port;
    this.address = `${options.host}:${options.port}`;
    this.delegate = options.delegate;
    this.batch = options.batch ?? 64;
    this.sliceMs = options.sliceMs ?? 10;
    this.localAddresses = new Set([this.address]);
    for (const alias of options.aliases ?? []) this.localAddresses.add(`${alias}:${options.port}`);
    this.counters = {
      received: this.metrics.counter('libprocess/messages_received'),
      sent: this.metrics.counter('libprocess/messages_sent'),
      unknownReceiver: this.metrics.counter('libprocess/messages_dropped/unknown_receiver'),
      undecodable: this.metrics.counter('libprocess/messages_dropped/undecodable'),
      handlerErrors: this.metrics.counter('libprocess/handler_errors'),
      invalidFrom: this.metrics.counter('libprocess/messages_dropped/invalid_from'),
    };
    this.metrics.gauge('libprocess/processes', () => this.processes.size);
    this.metrics.gauge('libprocess/run_queue_length', () => this.runQueue.length);
  }

  /** Attaches the network. Called once, before remote sends. */
  attach(factory: TransportFactory): void {
    if (this.transport !== undefined) throw new Error('transport already attached');
    this.transport = factory(this);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Starts `process`; its `initialize()` is the first event it handles. */
  spawn<P extends Process>(process: P): UPID {
    if (this.stopped) throw new Error('runtime is shut down');
    if (process._runtime !== undefined) throw new Error('process already spawned');
    const requested = process.requestedId;
    const id = requested.endsWith('()') ? this.ids.generate(requested.slice(0, -2)) : requested;
    if (id === '' || /[\s/@]/.test(id)) throw new Error(`invalid process id '${id}'`);
    if (this.processes.has(id)) throw new Error(`a process with id '${id}' already exists`);
    const pid = new UPID(id, this.host, this.port);
    process._runtime = this;
    process._pid = pid;
    const slot = new Slot(process, pid);
    this.processes.set(id, slot);
    this.enqueue(slot, { k: DISPATCH, fn: () => process._initialize(), discard: undefined });
    return pid;
  }

  /** Asks a process to stop; with `inject` (default) ahead of its queued events. */
  terminate(pid: UPID | Process, inject = true): void {
    const slot = this.slotOf(pid);
    if (slot === undefined || slot.state !== 'running') return;
    const event: Event = { k: TERMINATE };
    if (inject) slot.mailbox.unshift(event);
    else slot.mailbox.push(event);
    this.wake(slot);
  }

  /** Resolves once the process has terminated (immediately if it does not exist). */
  wait(pid: UPID | Process): Promise<void> {
    const slot = this.slotOf(pid);
    if (slot === undefined || slot.state === 'terminated') return Promise.resolve();
    return new Promise((resolve) => slot.waiters.push(resolve));
  }

  exists(pid: UPID | string): boolean {
    const id = typeof pid === 'string' ? pid : this.isLocal(pid) ? pid.id : undefined;
    return id !== undefined && this.processes.has(id);
  }

  /** Runs `fn` inside the process and resolves with its result. */
  dispatch<P extends Process, R>(target: P | UPID, fn: (process: P) => R): Promise<Awaited<R>> {
    const slot = this.slotOf(target);
    if (slot === undefined || slot.state !== 'running') {
      return Promise.reject(new ProcessNotFoundError(String(target instanceof UPID ? target : target.requestedId)));
    }
    return new Promise<Awaited<R>>((resolve, reject) => {
      const process = slot.process as P;
      this.enqueue(slot, {
        k: DISPATCH,
        fn: () => {
          let result: R;
          try {
            result = fn(process);
          } catch (error) {
            reject(error);
            return;
          }
          if (result instanceof Promise) result.then(resolve, reject);
          else resolve(result as Awaited<R>);
        },
        discard: () => reject(new ProcessNotFoundError(slot.pid.toString())),
      });
    });
  }

  /** Terminates every process and closes the transport and timers. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    for (const slot of [...this.processes.values()]) this.terminate(slot.pid);
    await Promise.all([...this.processes.values()].map((slot) => this.wait(slot.pid)));
    this.stopped = true;
    await this.transport?.close();
    this.clock.clear();
  }

  /**
   * Resolves when no process has queued events and no HTTP handler is
   * pending, checked across a few turns of the event loop (libprocess's
   * Clock::settle, for tests with a paused clock).
   */
  async settle(maxTurns = 10_000): Promise<void> {
    let idleTurns = 0;
    for (let turn = 0; turn < maxTurns; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.idle) {
        if (++idleTurns >= 3) return;
      } else {
        idleTurns = 0;
      }
    }
    throw new Error('runtime did not settle');
  }

  get idle(): boolean {
    return this.runQueue.length === 0 && this.inflightHttp === 0 && !this.scheduled && !(this.transport?.busy ?? false);
  }

  // ---------------------------------------------------------------- messaging

  send(from: UPID, to: UPID, name: string, body: Uint8Array): void {
    this.counters.sent.inc();
    if (this.isLocal(to)) {
      const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      this.deliver(from.toString(), to.id, name, buffer);
      return;
    }
    if (this.transport === undefined) {
      this.log.warn({ to: to.toString(), name }, 'dropping message to a remote process: no transport');
      return;
    }
    this.transport.send(from, to, name, body);
  }

  deliver(from: string, toId: string, name: string, body: Buffer): boolean {
    const slot = this.processes.get(toId);
    if (slot === undefined || slot.state !== 'running') {
      this.counters.unknownReceiver.inc();
      this.log.debug({ from, to: toId, name }, 'dropping message for unknown process');
      return false;
    }
    this.counters.received.inc();
    if (this.filters.length > 0 && this.filtered({ from, to: slot.pid, name, body })) return true;
    this.enqueue(slot, { k: MESSAGE, from, name, body });
    return true;
  }

  /** Installs a message filter; returns a function removing it. */
  addFilter(filter: MessageFilter): () => void {
    this.filters.push(filter);
    return () => {
      const index = this.filters.indexOf(filter);
      if (index >= 0) this.filters.splice(index, 1);
    };
  }

  isLocal(pid: UPID): boolean {
    const cached = pid._localTo;
    if (cached === this) return true;
    if (cached === this.notLocal) return false;
    const local = pid.port === this.port && this.localAddresses.has(pid.address);
    pid._localTo = local ? this : this.notLocal;
    return local;
  }

  // ---------------------------------------------------------------- links

  /** @internal */
  _link(process: Process, target: UPID): void {
    const slot = this.slotOf(process);
    if (slot === undefined) return;
    const key = target.toString();
    slot.links.add(key);
    let set = this.linkers.get(key);
    if (set === undefined) this.linkers.set(key, (set = new Set()));
    set.add(slot);
    if (this.isLocal(target)) {
      const targetSlot = this.processes.get(target.id);
      if (targetSlot === undefined || targetSlot.state !== 'running') this.notifyExited(key, target);
      return;
    }
    let pids = this.remoteLinks.get(target.address);
    if (pids === undefined) this.remoteLinks.set(target.address, (pids = new Set()));
    pids.add(key);
    if (this.transport === undefined) {
      this.notifyExited(key, target);
      return;
    }
    this.transport.link(target.address);
  }

  /** @internal */
  _unlink(process: Process, target: UPID): void {
    const slot = this.slotOf(process);
    if (slot === undefined) return;
    const key = target.toString();
    slot.links.delete(key);
    this.linkers.get(key)?.delete(slot);
  }

  addressLost(address: string): void {
    const pids = this.remoteLinks.get(address);
    if (pids === undefined) return;
    this.remoteLinks.delete(address);
    for (const key of pids) this.notifyExited(key, this.parseFrom(key) ?? UPID.parse(key));
  }

  private notifyExited(key: string, pid: UPID): void {
    const set = this.linkers.get(key);
    if (set === undefined) return;
    this.linkers.delete(key);
    for (const slot of set) {
      slot.links.delete(key);
      if (slot.state === 'running') this.enqueue(slot, { k: EXITED, pid });
    }
  }

  // ---------------------------------------------------------------- HTTP

  handleHttp(request: Request, respond: (response: Response) => void): void {
    const path = request.path;
    if (!path.startsWith('/')) {
      respond(badRequest());
      return;
    }
    if (path.includes('/..')) {
      respond(notFound());
      return;
    }
    const first = path.split('/').find((token) => token !== '');
    let slot = first === undefined ? undefined : this.processes.get(first);
    let routed = request;
    if (slot === undefined && this.delegate !== undefined) {
      const delegatePath = first === undefined ? `/${this.delegate}` : `/${this.delegate}${path}`;
      routed = { ...request, path: delegatePath };
      slot = this.processes.get(this.delegate);
    }
    if (slot === undefined || slot.state !== 'running') {
      respond(notFound());
      return;
    }
    this.inflightHttp++;
    let answered = false;
    const once = (response: Response): void => {
      if (answered) return;
      answered = true;
      this.inflightHttp--;
      respond(response);
    };
    this.enqueue(slot, { k: HTTP, request: routed, respond: once });
  }

  // ---------------------------------------------------------------- internals

  /** @internal used by Process.delay and Process.defer */
  _enqueueDispatch(pid: UPID, fn: () => void): void {
    const slot = this.processes.get(pid.id);
    if (slot === undefined || slot.state !== 'running' || !this.isLocal(pid)) return;
    this.enqueue(slot, { k: DISPATCH, fn, discard: undefined });
  }

  /** @internal a protobuf handler could not decode its message */
  _undecodable(to: UPID, from: UPID, name: string, error: unknown): void {
    this.counters.undecodable.inc();
    this.log.warn({ from: from.toString(), to: to.toString(), name, err: error }, 'dropping undecodable message');
  }

  /** Processes with their queued events, for /__processes__. */
  describeProcesses(): Array<{ id: string; events: Array<Record<string, string>> }> {
    const out: Array<{ id: string; events: Array<Record<string, string>> }> = [];
    for (const slot of this.processes.values()) {
      const events: Array<Record<string, string>> = [];
      for (const event of slot.mailbox) events.push(describeEvent(event, slot.pid));
      out.push({ id: slot.pid.id, events });
    }
    return out;
  }

  private slotOf(target: UPID | Process): Slot | undefined {
    if (target instanceof UPID) return this.isLocal(target) ? this.processes.get(target.id) : undefined;
    const pid = target._pid;
    if (pid === undefined || target._runtime !== this) return undefined;
    const slot = this.processes.get(pid.id);
    return slot?.process === target ? slot : undefined;
  }

  private filtered(message: MessageRecord): boolean {
    for (const filter of this.filters) {
      try {
        if (filter(message)) return true;
      } catch (error) {
        this.log.error({ err: error }, 'message filter threw');
      }
    }
    return false;
  }

  private enqueue(slot: Slot, event: Event): void {
    slot.mailbox.push(event);
    this.wake(slot);
  }

  private wake(slot: Slot): void {
    if (!slot.queued) {
      slot.queued = true;
      this.runQueue.push(slot);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.drain);
    }
  }

  private readonly drain = (): void => {
    const deadline = performance.now() + this.sliceMs;
    let turns = 0;
    for (;;) {
      const slot = this.runQueue.shift();
      if (slot === undefined) break;
      slot.queued = false;
      let handled = 0;
      while (handled < this.batch && slot.state === 'running') {
        const event = slot.mailbox.shift();
        if (event === undefined) break;
        this.handle(slot, event);
        handled++;
      }
      if (slot.state === 'running' && slot.mailbox.length > 0 && !slot.queued) {
        slot.queued = true;
        this.runQueue.push(slot);
      }
      if ((++turns & 7) === 0 && performance.now() > deadline) {
        if (this.runQueue.length > 0) {
          setImmediate(this.drain);
          return;
        }
        break;
      }
    }
    this.scheduled = false;
  };

  private handle(slot: Slot, event: Event): void {
    const process = slot.process;
    try {
      switch (event.k) {
        case MESSAGE: {
          const handler = process._handlers.get(event.name);
          if (handler === undefined) {
            this.log.debug({ to: slot.pid.id, name: event.name }, 'no handler for message');
            return;
          }
          const from = this.parseFrom(event.from);
          if (from === undefined) {
            this.counters.invalidFrom.inc();
            this.log.warn({ from: event.from, name: event.name }, 'dropping message with an invalid sender UPID');
            return;
          }
          handler(from, event.body);
          return;
        }
        case DISPATCH:
          event.fn();
          return;
        case HTTP:
          this.serveHttp(slot, event.request, event.respond);
          return;
        case EXITED:
          process._exited(event.pid);
          return;
        case TERMINATE:
          this.finish(slot);
          return;
      }
    } catch (error) {
      this.counters.handlerErrors.inc();
      this.log.error({ err: error, process: slot.pid.id }, 'handler threw');
      if (event.k === HTTP) event.respond(internalServerError(errorText(error)));
    }
  }

  private serveHttp(slot: Slot, request: Request, respond: (response: Response) => void): void {
    const id = slot.pid.id;
    const prefix = `/${id}`;
    let name = request.path.startsWith(prefix) ? request.path.slice(prefix.length) : request.path;
    name = normalizeRoute(name);
    const routes = slot.process._routes;
    let route = routes.get(name);
    if (route === undefined && name !== '') {
      let candidate = name;
      while (route === undefined) {
        const cut = candidate.lastIndexOf('/');
        if (cut < 0) break;
        candidate = candidate.slice(0, cut);
        route = routes.get(candidate);
      }
    }
    if (route === undefined) {
      respond(notFound());
      return;
    }
    const result = route.handler(request);
    if (result instanceof Promise) {
      result.then(respond, (error: unknown) => {
        this.counters.handlerErrors.inc();
        this.log.error({ err: error, process: id, path: request.path }, 'HTTP handler failed');
        respond(internalServerError(errorText(error)));
      });
    } else {
      respond(result);
    }
  }

  private finish(slot: Slot): void {
    slot.state = 'terminated';
    try {
      slot.process._finalize();
    } catch (error) {
      this.counters.handlerErrors.inc();
      this.log.error({ err: error, process: slot.pid.id }, 'finalize threw');
    }
    this.processes.delete(slot.pid.id);
    for (let event = slot.mailbox.shift(); event !== undefined; event = slot.mailbox.shift()) {
      if (event.k === DISPATCH) event.discard?.();
      else if (event.k === HTTP) event.respond(notFound());
    }
    for (const key of slot.links) this.linkers.get(key)?.delete(slot);
    slot.links.clear();
    this.notifyExited(slot.pid.toString(), slot.pid);
    for (const waiter of slot.waiters.splice(0)) waiter();
  }

  private parseFrom(text: string): UPID | undefined {
    let pid = this.upidCache.get(text);
    if (pid === undefined) {
      pid = UPID.tryParse(text);
      if (pid === undefined) return undefined;
      if (this.upidCache.size > 10_000) this.upidCache.clear();
      this.upidCache.set(text, pid);
    }
    return pid;
  }
}

function describeEvent(event: Event, to: UPID): Record<string, string> {
  switch (event.k) {
    case MESSAGE:
      return { type: 'MESSAGE', name: event.name, from: event.from, to: to.toString(), body: event.body.toString('latin1') };
    case DISPATCH:
      return { type: 'DISPATCH' };
    case HTTP:
      return { type: 'HTTP', method: event.request.method, url: event.request.url };
    case EXITED:
      return { type: 'EXITED' };
    case TERMINATE:
      return { type: 'TERMINATE' };
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
