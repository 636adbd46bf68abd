// The Process base class: an actor with a UPID, a mailbox owned by the
// runtime, message handlers, HTTP routes, links and timers. All state of a
// process is changed only inside its handlers, which the runtime runs one at a
// time, in mailbox order.

import type { Request, Response } from './http/types.js';
import type { Runtime } from './runtime.js';
import type { Timer } from './clock.js';
import { UPID } from './upid.js';

export type MessageHandler = (from: UPID, body: Buffer) => void;

/** What receiving needs of a protobufjs static message class. */
export interface Decoder<T> {
  decode(reader: Uint8Array): T;
  getTypeUrl(prefix?: string): string;
}

/** What sending needs of a protobufjs static message class (`P`: the plain-object shape it accepts). */
export interface Encoder<P> {
  encode(message: P): { finish(): Uint8Array };
  getTypeUrl(prefix?: string): string;
}

/** The shape of a protobufjs static message class. */
export type MessageType<T> = Decoder<T> & Encoder<T>;

export type RouteHandler = (request: Request) => Response | Promise<Response>;

export interface RouteOptions {
  /** Text served by the help endpoint for this route. */
  help?: string;
}

export interface Route {
  handler: RouteHandler;
  options: RouteOptions;
}

/** Full protobuf name of a generated message class, e.g. `mesos.internal.PingSlaveMessage`. */
export function messageName(type: { getTypeUrl(prefix?: string): string }): string {
  const url = type.getTypeUrl('');
  return url.startsWith('/') ? url.slice(1) : url;
}

export abstract class Process {
  /** @internal set by Runtime.spawn */
  _runtime: Runtime | undefined;
  /** @internal set by Runtime.spawn */
  _pid: UPID | undefined;
  /** @internal */
  readonly _handlers = new Map<string, MessageHandler>();
  /** @internal */
  readonly _routes = new Map<string, Route>();

  /**
   * @param id the process id; a trailing `()` asks for a generated id
   *   (`slave()` becomes `slave(1)`, `slave(2)`, ...), like libprocess.
   */
  constructor(readonly requestedId: string) {}

  /** Called inside the process before any other event. */
  protected initialize(): void {}

  /** Called inside the process when it terminates. */
  protected finalize(): void {}

  /** A linked process terminated, or the connection to its address broke. */
  protected exited(_pid: UPID): void {}

  /** @internal */
  _initialize(): void {
    this.initialize();
  }

  /** @internal */
  _finalize(): void {
    this.finalize();
  }

  /** @internal */
  _exited(pid: UPID): void {
    this.exited(pid);
  }

  get self(): UPID {
    if (this._pid === undefined) throw new Error('process is not spawned');
    return this._pid;
  }

  get runtime(): Runtime {
    if (this._runtime === undefined) throw new Error('process is not spawned');
    return this._runtime;
  }

  get spawned(): boolean {
    return this._runtime !== undefined;
  }

  /** Handles raw messages with this name. */
  protected install(name: string, handler: MessageHandler): void;
  /** Handles messages named by the protobuf type, decoding the body once. */
  protected install<T>(type: Decoder<T>, handler: (from: UPID, message: T) => void): void;
  protected install<T>(
    nameOrType: string | Decoder<T>,
    handler: MessageHandler | ((from: UPID, message: T) => void),
  ): void {
    if (typeof nameOrType === 'string') {
      this._handlers.set(nameOrType, handler as MessageHandler);
      return;
    }
    const type = nameOrType;
    const typed = handler as (from: UPID, message: T) => void;
    const name = messageName(type);
    this._handlers.set(name, (from, body) => {
      let decoded: T;
      try {
        decoded = type.decode(body);
      } catch (error) {
        this.runtime._undecodable(this.self, from, name, error);
        return;
      }
      typed(from, decoded);
    });
  }

  /** Serves HTTP requests for `/<id>/<path>` (longest matching prefix wins). */
  protected route(path: string, handler: RouteHandler, options: RouteOptions = {}): void {
    this._routes.set(normalizeRoute(path), { handler, options });
  }

  /** Sends a raw message; delivery is best effort, like libprocess. */
  send(to: UPID, name: string, body: Uint8Array = EMPTY): void {
    this.runtime.send(this.self, to, name, body);
  }

  /** Sends a protobuf message named by its full type name. */
  sendProto<P>(to: UPID, type: Encoder<P>, message: P): void {
    this.runtime.send(this.self, to, messageName(type), type.encode(message).finish());
  }

  /** Asks for `exited(pid)` when `pid` terminates or its connection breaks. */
  link(pid: UPID): void {
    this.runtime._link(this, pid);
  }

  unlink(pid: UPID): void {
    this.runtime._unlink(this, pid);
  }

  /** Runs `fn` inside this process after `ms` of runtime clock time. */
  delay(ms: number, fn: () => void): Timer {
    const runtime = this.runtime;
    const pid = this.self;
    return runtime.clock.timer(ms, () => runtime._enqueueDispatch(pid, fn));
  }

  /**
   * Runs `fn` inside this process once `promise` settles (libprocess's
   * `defer(self(), ...)`): continuations never run outside the mailbox.
   */
  defer<T>(promise: Promise<T>, fn: (result: { ok: true; value: T } | { ok: false; error: unknown }) => void): void {
    const runtime = this.runtime;
    const pid = this.self;
    promise.then(
      (value) => runtime._enqueueDispatch(pid, () => fn({ ok: true, value })),
      (error: unknown) => runtime._enqueueDispatch(pid, () => fn({ ok: false, error })),
    );
  }

  /** Terminates this process after the current event. */
  terminate(): void {
    this.runtime.terminate(this.self);
  }
}

const EMPTY = new Uint8Array(0);

export function normalizeRoute(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '');
}
