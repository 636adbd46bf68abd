// Benchmark servers, one per child process, started by bench.ts with `fork`.
//
//   node --import tsx benchmarks/uws/servers.ts <uws|node|net> [--answer-all]
//
// Every kind serves the same things on 127.0.0.1 (random port):
//   GET /small  -> 200, ~200-byte JSON         GET /large -> 200, 1 MiB body
//   POST with `Libprocess-From` or `User-Agent: libprocess/...` -> a "message": url, sender and
//   body are extracted and counted; the sender gets 202, except a `libprocess/` User-Agent,
//   which gets nothing (unless --answer-all, the only mode in which uWS keeps a libprocess
//   connection's pipelining going; see probe.ts).
// `net` is node:net plus the project's parser (libprocess/transport/http-parser.ts).
// The parent talks over IPC: 'reset' zeroes the counters, 'stats' replies with them.

import http from 'node:http';
import net from 'node:net';
import uWS from 'uWebSockets.js';
import { RequestParser } from '../../libprocess/transport/http-parser.js';
import { DEFAULT_LIMITS, type ParsedRequest } from '../../libprocess/transport/types.js';
import { LARGE_BODY, SMALL_JSON } from './frames.js';

export type ServerKind = 'uws' | 'node' | 'net';

export interface ServerStats {
  msgs: number;
  msgBytes: number;
  requests: number;
  /** Server CPU (user + system) in microseconds since the last reset. */
  cpuMicros: number;
  rssBytes: number;
}

const kind = process.argv[2] as ServerKind;
const ANSWER_ALL = process.argv.includes('--answer-all');

let msgs = 0;
let msgBytes = 0;
let requests = 0;
let cpuAtReset = process.cpuUsage();
/** Last message seen, kept so the work of extracting it is not optimised away. */
export let lastMessage: { url: string; from: string; body: Buffer } | null = null;

function deliver(url: string, from: string, body: Buffer): void {
  msgs++;
  msgBytes += body.length;
  lastMessage = { url, from, body };
}

/** Sender as libprocess derives it: Libprocess-From, else what follows `libprocess/`. */
function senderOf(from: string, ua: string): string {
  if (from) return from;
  return ua.startsWith('libprocess/') ? ua.slice('libprocess/'.length) : '';
}

// ------------------------------------------------------------------ uWS

function startUws(): Promise<number> {
  const app = uWS.App();
  app.any('/*', (res, req) => {
    requests++;
    const method = req.getMethod();
    const url = req.getUrl();
    if (method === 'get') {
      if (url === '/small') {
        res.writeStatus('200 OK').writeHeader('Content-Type', 'application/json').end(SMALL_JSON);
      } else if (url === '/large') {
        res.writeStatus('200 OK').writeHeader('Content-Type', 'application/octet-stream').end(LARGE_BODY);
      } else {
        res.writeStatus('404 Not Found').end();
      }
      return;
    }
    const ua = req.getHeader('user-agent');
    const from = senderOf(req.getHeader('libprocess-from'), ua);
    const silent = !ANSWER_ALL && ua.startsWith('libprocess/');
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    let parts: Buffer[] | null = null;
    res.onData((chunk, isLast) => {
      // The ArrayBuffer is neutered when the callback returns: copy.
      const copy = Buffer.from(chunk.slice(0));
      if (!isLast) { (parts ??= []).push(copy); return; }
      const body = parts ? Buffer.concat([...parts, copy]) : copy;
      deliver(url, from, body);
      if (!silent && !aborted) res.cork(() => { res.writeStatus('202 Accepted').end(); });
    });
  });
  return new Promise((resolve, reject) => {
    app.listen('127.0.0.1', 0, (ls) => {
      if (!ls) reject(new Error('uWS listen failed'));
      else resolve(uWS.us_socket_local_port(ls));
    });
  });
}

// ------------------------------------------------------------------ node:http

function startNodeHttp(): Promise<number> {
  const server = http.createServer((req, res) => {
    requests++;
    if (req.method === 'GET') {
      const body = req.url === '/small' ? SMALL_JSON : req.url === '/large' ? LARGE_BODY : null;
      if (body) {
        res.writeHead(200, {
          'Content-Type': req.url === '/small' ? 'application/json' : 'application/octet-stream',
          'Content-Length': body.length,
        });
        res.end(body);
      } else {
        res.writeHead(404).end();
      }
      return;
    }
    const ua = req.headers['user-agent'] ?? '';
    const fromHeader = req.headers['libprocess-from'];
    const from = senderOf(typeof fromHeader === 'string' ? fromHeader : '', ua);
    const silent = !ANSWER_ALL && ua.startsWith('libprocess/');
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => { parts.push(d); });
    req.on('end', () => {
      deliver(req.url ?? '', from, parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts));
      // A silent response is never ended; node:http then holds every later response on the
      // connection. Only --answer-all is meaningful for libprocess frames here.
      if (!silent) res.writeHead(202).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => { resolve((server.address() as net.AddressInfo).port); });
  });
}

// ------------------------------------------------------------------ net + RequestParser

let dateSecond = -1;
let dateText = '';
function httpDate(): string {
  const s = Math.floor(Date.now() / 1000);
  if (s !== dateSecond) { dateSecond = s; dateText = new Date(s * 1000).toUTCString(); }
  return dateText;
}

function head(status: string, type: string | null, length: number): Buffer {
  return Buffer.from(
    `HTTP/1.1 ${status}\r\nDate: ${httpDate()}\r\n${type ? `Content-Type: ${type}\r\n` : ''}Content-Length: ${length}\r\n\r\n`,
    'latin1',
  );
}

function startNet(): Promise<number> {
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    const onRequest = (r: ParsedRequest): void => {
      requests++;
      if (r.method === 'GET') {
        if (r.url === '/small') {
          sock.write(head('200 OK', 'application/json', SMALL_JSON.length));
          sock.write(SMALL_JSON);
        } else if (r.url === '/large') {
          sock.write(head('200 OK', 'application/octet-stream', LARGE_BODY.length));
          sock.write(LARGE_BODY);
        } else {
          sock.write(head('404 Not Found', null, 0));
        }
        return;
      }
      const ua = r.headers.get('user-agent') ?? '';
      deliver(r.url, senderOf(r.headers.get('libprocess-from') ?? '', ua), r.body);
      const silent = !ANSWER_ALL && ua.startsWith('libprocess/');
      if (!silent) sock.write(head('202 Accepted', null, 0));
    };
    const parser = new RequestParser(DEFAULT_LIMITS, onRequest, (e) => {
      sock.end(head(`${e.status} Error`, null, 0));
    });
    sock.on('data', (d: Buffer) => {
      // Pipelined responses produced by one read leave in one writev.
      sock.cork();
      parser.feed(d);
      sock.uncork();
    });
    sock.on('error', () => { sock.destroy(); });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => { resolve((server.address() as net.AddressInfo).port); });
  });
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const start = kind === 'uws' ? startUws : kind === 'node' ? startNodeHttp : kind === 'net' ? startNet : null;
  if (!start) throw new Error(`unknown server kind ${String(kind)}`);
  const port = await start();
  process.on('message', (m: unknown) => {
    if (m === 'reset') {
      msgs = 0; msgBytes = 0; requests = 0; cpuAtReset = process.cpuUsage();
      process.send?.({ reset: true });
    } else if (m === 'stats') {
      const cpu = process.cpuUsage(cpuAtReset);
      const stats: ServerStats = { msgs, msgBytes, requests, cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() };
      process.send?.({ stats });
    } else if (m === 'exit') {
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  if (process.send) process.send({ ready: port });
  else console.log(`${kind} listening on 127.0.0.1:${port}`);
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
