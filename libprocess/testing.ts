// Test support in the spirit of libprocess's gmock helpers
// (3rdparty/libprocess/include/process/gmock.hpp): wait for, capture or drop
// messages by name as they are delivered to a runtime's processes, and a
// scriptable peer process that records what it receives.

import { Process, messageName, type Decoder } from './process.js';
import type { MessageRecord, Runtime } from './runtime.js';
import type { UPID } from './upid.js';

export interface MessageMatch {
  name: string;
  /** Sender UPID text or a predicate on it. */
  from?: string | ((from: string) => boolean);
  /** Receiver UPID or a predicate on it. */
  to?: UPID | ((to: UPID) => boolean);
}

function matches(match: MessageMatch, message: MessageRecord): boolean {
  if (message.name !== match.name) return false;
  if (match.from !== undefined) {
    if (typeof match.from === 'string' ? message.from !== match.from : !match.from(message.from)) return false;
  }
  if (match.to !== undefined) {
    if (typeof match.to === 'function' ? !match.to(message.to) : !message.to.equals(match.to)) return false;
  }
  return true;
}

/** Resolves with the next matching message delivered in `runtime` (FUTURE_MESSAGE); the message still arrives. */
export function futureMessage(runtime: Runtime, match: MessageMatch): Promise<MessageRecord> {
  return new Promise((resolve) => {
    const remove = runtime.addFilter((message) => {
      if (!matches(match, message)) return false;
      remove();
      resolve(message);
      return false;
    });
  });
}

/** Like futureMessage, decoding the body as `type` (FUTURE_PROTOBUF). */
export async function futureProtobuf<T>(
  runtime: Runtime,
  type: Decoder<T>,
  match: Omit<MessageMatch, 'name'> = {},
): Promise<{ message: T; record: MessageRecord }> {
  const record = await futureMessage(runtime, { ...match, name: messageName(type) });
  return { message: type.decode(record.body), record };
}

/** Drops the next matching message (DROP_MESSAGE); resolves with it. */
export function dropMessage(runtime: Runtime, match: MessageMatch): Promise<MessageRecord> {
  return new Promise((resolve) => {
    const remove = runtime.addFilter((message) => {
      if (!matches(match, message)) return false;
      remove();
      resolve(message);
      return true;
    });
  });
}

/** Drops every matching message until the returned function is called (DROP_MESSAGES). */
export function dropMessages(runtime: Runtime, match: MessageMatch): () => void {
  return runtime.addFilter((message) => matches(match, message));
}

/**
 * A process that records every message it receives, for the names it is told
 * about, and lets a test await the next one of a type. Fake agents, executors
 * and schedulers in tests are built from it.
 */
export class PeerProcess extends Process {
  private readonly inbox: Array<{ from: UPID; name: string; body: Buffer }> = [];
  private readonly waiters: Array<{ name: string; resolve: (entry: { from: UPID; body: Buffer }) => void }> = [];
  private readonly exitedPids: UPID[] = [];

  constructor(
    id: string,
    private readonly names: readonly string[],
  ) {
    super(id);
  }

  protected override initialize(): void {
    for (const name of this.names) {
      this.install(name, (from, body) => {
        const index = this.waiters.findIndex((w) => w.name === name);
        if (index >= 0) {
          const [waiter] = this.waiters.splice(index, 1);
          waiter?.resolve({ from, body });
          return;
        }
        this.inbox.push({ from, name, body });
      });
    }
  }

  protected override exited(pid: UPID): void {
    this.exitedPids.push(pid);
  }

  /** Resolves with the next (or an already received, unconsumed) message of this type. */
  next<T>(type: Decoder<T>): Promise<{ from: UPID; message: T }> {
    const name = messageName(type);
    return this.nextRaw(name).then(({ from, body }) => ({ from, message: type.decode(body) }));
  }

  nextRaw(name: string): Promise<{ from: UPID; body: Buffer }> {
    if (!this.names.includes(name)) return Promise.reject(new Error(`PeerProcess does not listen for '${name}'`));
    const index = this.inbox.findIndex((m) => m.name === name);
    if (index >= 0) {
      const [entry] = this.inbox.splice(index, 1);
      if (entry !== undefined) return Promise.resolve(entry);
    }
    return new Promise((resolve) => this.waiters.push({ name, resolve }));
  }

  /** Unconsumed messages of this type, decoded (and consumed). */
  drain<T>(type: Decoder<T>): T[] {
    const name = messageName(type);
    const out: T[] = [];
    for (let i = 0; i < this.inbox.length; ) {
      const entry = this.inbox[i];
      if (entry?.name === name) {
        out.push(type.decode(entry.body));
        this.inbox.splice(i, 1);
      } else {
        i++;
      }
    }
    return out;
  }

  /** How many unconsumed messages with this name are waiting. */
  count(name: string): number {
    return this.inbox.filter((m) => m.name === name).length;
  }

  get exits(): readonly UPID[] {
    return this.exitedPids;
  }

  watch(pid: UPID): void {
    this.link(pid);
  }
}
