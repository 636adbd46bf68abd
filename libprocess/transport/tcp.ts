// The socket layer: one listening socket per runtime accepting libprocess
// message frames and ordinary HTTP requests on the same port, and one
// persistent outbound connection per remote address for messages we send.

import net from 'node:net';
import type { Response } from '../http/types.js';
import type { Counter } from '../metrics.js';
import type { Transport, TransportHost } from '../runtime.js';
import type { UPID } from '../upid.js';
import { classify } from './classify.js';
import { RequestParser } from './http-parser.js';
import { MessageEncoder } from './message-encoder.js';
import { InboundConnection } from './inbound.js';
import { DEFAULT_LIMITS, type ParsedRequest, type ParseError, type ParserLimits } from './types.js';

export interface TcpTransportOptions {
  ip: string;
  port: number;
  limits?: Partial<ParserLimits>;
}

/** Counters shared by every connection of one transport. */
export interface TransportCounters {
  parseErrors: Map<string, Counter>;
  invalidMessages: Counter;
  connectionsAccepted: Counter;
  droppedOnDisconnect: Counter;
  connectFailures: Counter;
  framesSent: Counter;
}

export class TcpTransport implements Transport {
  private readonly server: net.Server;
  private host: TransportHost | undefined;
  private readonly limits: ParserLimits;
  private readonly outbound = new Map<string, OutboundConnection>();
  private readonly inbound = new Set<InboundConnection>();
  private counters: TransportCounters | undefined;
  private boundPort = 0;
  private closed = false;

  constructor(private readonly options: TcpTransportOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** Binds the listening socket; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen({ host: this.options.ip, port: this.options.port, exclusive: true }, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        this.boundPort = typeof address === 'object' && address !== null ? address.port : this.options.port;
        resolve(this.boundPort);
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  /** Connects the transport to its runtime (Runtime.attach calls this through a factory). */
  bind(host: TransportHost): this {
    this.host = host;
    const m = host.metrics;
    this.counters = {
      parseErrors: new Map(),
      invalidMessages: m.counter('libprocess/transport/invalid_messages'),
      connectionsAccepted: m.counter('libprocess/transport/connections_accepted'),
      droppedOnDisconnect: m.counter('libprocess/transport/dropped_on_disconnect'),
      connectFailures: m.counter('libprocess/transport/connect_failures'),
      framesSent: m.counter('libprocess/transport/frames_sent'),
    };
    for (const code of [
      'bad_request_line',
      'bad_header',
      'headers_too_large',
      'body_too_large',
      'bad_chunk',
      'bad_content_length',
      'unsupported_transfer_encoding',
      'bad_content_encoding',
    ]) {
      this.counters.parseErrors.set(code, m.counter(`libprocess/transport/errors/${code}`));
    }
    m.gauge('libprocess/transport/inbound_connections', () => this.inbound.size);
    m.gauge('libprocess/transport/outbound_connections', () => this.outbound.size);
    return this;
  }

  send(from: UPID, to: UPID, name: string, body: Uint8Array): void {
    if (this.closed) return;
    const connection = this.connection(to.address, to.host, to.port);
    connection.send(from.toString(), to.id, name, body);
  }

  link(address: string): void {
    if (this.closed) return;
    const colon = address.lastIndexOf(':');
    this.connection(address, address.slice(0, colon), Number(address.slice(colon + 1)));
  }

  get busy(): boolean {
    for (const c of this.outbound.values()) if (c.busy) return true;
    return false;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.outbound.values()) connection.destroy();
    this.outbound.clear();
    for (const connection of this.inbound) connection.destroy();
    this.inbound.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connection(address: string, hostname: string, port: number): OutboundConnection {
    let connection = this.outbound.get(address);
    if (connection === undefined) {
      const host = this.requireHost();
      connection = new OutboundConnection(hostname, port, this.requireCounters(), host, () => {
        if (this.outbound.get(address) === connection) this.outbound.delete(address);
        host.addressLost(address);
      });
      this.outbound.set(address, connection);
    }
    return connection;
  }

  private accept(socket: net.Socket): void {
    if (this.host === undefined || this.closed) {
      socket.destroy();
      return;
    }
    const host = this.host;
    const counters = this.requireCounters();
    counters.connectionsAccepted.inc();
    const client = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
    let connection: InboundConnection;
    const parser = new RequestParser(
      this.limits,
      (request: ParsedRequest) => this.onRequest(connection, request, client),
      (error: ParseError) => {
        counters.parseErrors.get(error.code)?.inc();
        host.log.warn({ client, code: error.code, reason: error.message }, 'rejecting bad input on socket');
        connection.fail(error.status, error.message);
      },
    );
    connection = new InboundConnection(socket, parser, () => this.inbound.delete(connection));
    this.inbound.add(connection);
  }

  private onRequest(connection: InboundConnection, request: ParsedRequest, client: string): void {
    const host = this.requireHost();
    const result = classify(request, client);
    switch (result.kind) {
      case 'message': {
        const accepted = host.deliver(result.from, result.toId, result.name, result.body);
        if (result.reply === 'accepted') {
          connection.respondNow(request, accepted ? { status: 202 } : { status: 404 });
        }
        return;
      }
      case 'http': {
        const slot = connection.reserve(request);
        host.handleHttp(result.request, (response: Response) => connection.fill(slot, response));
        return;
      }
      case 'invalid': {
        this.requireCounters().invalidMessages.inc();
        host.log.warn({ client, code: result.code, reason: result.reason }, 'dropping invalid libprocess message');
        if (result.respond) connection.respondNow(request, { status: result.status, body: `${result.reason}\n` });
        return;
      }
    }
  }

  private requireHost(): TransportHost {
    if (this.host === undefined) throw new Error('transport is not bound to a runtime');
    return this.host;
  }

  private requireCounters(): TransportCounters {
    if (this.counters === undefined) throw new Error('transport is not bound to a runtime');
    return this.counters;
  }
}

/**
 * A persistent connection to one remote address. Frames queue while it
 * connects and are written in batches, once per turn of the event loop.
 * Data the peer sends back is ignored (libprocess peers answer nothing; a
 * peer that does answer would only send 202s). When the connection breaks,
 * queued frames are dropped and the owner reports the address as lost.
 */
class OutboundConnection {
  private readonly socket: net.Socket;
  private connected = false;
  private dead = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private readonly encoders = new Map<string, MessageEncoder>();

  constructor(
    hostname: string,
    port: number,
    private readonly counters: TransportCounters,
    private readonly host: TransportHost,
    private readonly onLost: () => void,
  ) {
    this.socket = net.connect({ host: hostname, port, noDelay: true });
    this.socket.on('connect', () => {
      this.connected = true;
      this.flush();
    });
    this.socket.on('data', () => undefined);
    this.socket.on('error', (error) => {
      if (!this.connected) this.counters.connectFailures.inc();
      this.host.log.debug({ peer: `${hostname}:${port}`, err: error }, 'outbound connection failed');
    });
    this.socket.on('close', () => this.lost());
  }

  get busy(): boolean {
    return this.pendingBytes > 0 || (this.connected && this.socket.writableLength > 0);
  }

  send(from: string, toId: string, name: string, body: Uint8Array): void {
    if (this.dead) return;
    const key = `${from} ${toId}`;
    let encoder = this.encoders.get(key);
    if (encoder === undefined) {
      encoder = new MessageEncoder(from, toId);
      if (this.encoders.size > 1024) this.encoders.clear();
      this.encoders.set(key, encoder);
    }
    const frame = encoder.encode(name, body);
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    this.counters.framesSent.inc();
    if (this.connected && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushTask);
    }
  }

  destroy(): void {
    this.dead = true;
    this.socket.destroy();
  }

  private readonly flushTask = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private flush(): void {
    if (!this.connected || this.dead || this.pending.length === 0) return;
    const frames = this.pending;
    const data = frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.socket.write(data);
  }

  private lost(): void {
    if (this.pending.length > 0) this.counters.droppedOnDisconnect.inc(this.pending.length);
    this.pending = [];
    this.pendingBytes = 0;
    const wasDead = this.dead;
    this.dead = true;
    if (!wasDead) this.onLost();
  }
}
