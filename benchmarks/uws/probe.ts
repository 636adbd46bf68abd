// Probe: which libprocess / HTTP framings does uWebSockets.js accept on one socket?
//
// Starts a uWS app on 127.0.0.1 (random port) with one any('/*') handler that records
// what it sees and answers `202 Accepted` unless the User-Agent starts with `libprocess/`
// (those get no response, as a libprocess receiver does). Each case sends raw bytes over a
// fresh net.Socket and reports what the handler saw and what came back on the wire. A few
// cases are then re-run against a second app that answers every request (the "answer-all"
// workaround). Findings and the source lines behind them: docs/decisions-uws.md.
//
//   node --import tsx benchmarks/uws/probe.ts            # all cases (about 40 s)
//   node --import tsx benchmarks/uws/probe.ts --quick    # skip 64 MiB and idle-timeout cases
//   node --import tsx benchmarks/uws/probe.ts --json     # also print raw results as JSON

import net from 'node:net';
import { createRequire } from 'node:module';
import uWS from 'uWebSockets.js';
import {
  chunked, cxxMessage, fromOnlyMessage, get, golden, http10Message, requestHead,
} from './frames.js';

interface SeenRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: Buffer;
  complete: boolean;
  aborted: boolean;
  answered: boolean;
}

interface ClientResult {
  received: Buffer;
  statuses: string[];
  /** How the server side ended the connection within the observation window. */
  end: 'open' | 'FIN' | 'RST' | string;
  endAfterMs: number | null;
}

interface Expect {
  requests: number;
  /** Per request: expected method, url, body (or body length). */
  each?: Array<{ method: string; url: string; body?: Buffer; bodyLength?: number; headers?: Record<string, string | null> }>;
  responses: number;
  open: boolean;
}

interface Case {
  id: string;
  what: string;
  /** Writes, each sent after `gapMs` from the previous one. */
  writes: Buffer[];
  gapMs?: number;
  waitMs?: number;
  /** Finish early once this many requests completed and responses arrived. */
  expect: Expect;
  slow?: boolean;
  /** Connection-lifetime case: run concurrently with the others of its kind; only the connection is judged. */
  idle?: boolean;
}

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUT = args.has('--json');

// ---------------------------------------------------------------- server

const log: SeenRequest[] = [];
let onChange: () => void = () => {};

/**
 * `silent`: libprocess frames (User-Agent libprocess/...) get no response, as in Mesos.
 * `answer-all`: every request gets 202 — the only way to keep uWS's in-order pipelining going.
 */
type Policy = 'silent' | 'answer-all';

function startServer(policy: Policy): Promise<{ port: number; close: () => void }> {
  const app = uWS.App();
  app.any('/*', (res, req) => {
    const q = req.getQuery();
    const seen: SeenRequest = {
      method: req.getCaseSensitiveMethod(),
      url: req.getUrl() + (q ? `?${q}` : ''),
      headers: [],
      body: Buffer.alloc(0),
      complete: false,
      aborted: false,
      answered: false,
    };
    req.forEach((k, v) => { seen.headers.push([k, v]); });
    const ua = req.getHeader('user-agent');
    const libprocess = policy === 'silent' && ua.startsWith('libprocess/');
    log.push(seen);
    onChange();
    const parts: Buffer[] = [];
    res.onAborted(() => { seen.aborted = true; onChange(); });
    res.onData((chunk, isLast) => {
      parts.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      seen.body = Buffer.concat(parts);
      seen.complete = true;
      if (!libprocess && !seen.aborted) {
        res.cork(() => { res.writeStatus('202 Accepted').end(); });
        seen.answered = true;
      }
      onChange();
    });
  });
  return new Promise((resolve, reject) => {
    app.listen('127.0.0.1', 0, (ls) => {
      if (!ls) { reject(new Error('uWS listen failed')); return; }
      resolve({ port: uWS.us_socket_local_port(ls), close: () => { uWS.us_listen_socket_close(ls); } });
    });
  });
}

// ---------------------------------------------------------------- client

function statusLines(buf: Buffer): string[] {
  const text = buf.toString('latin1');
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3})[^\r\n]*/g)].map((m) => m[1] ?? '?');
}

async function runCase(port: number, c: Case, shared = false): Promise<{ seen: SeenRequest[]; client: ClientResult; ms: number }> {
  if (!shared) log.length = 0;
  const start = Date.now();
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  const chunks: Buffer[] = [];
  let end: ClientResult['end'] = 'open';
  let endAt: number | null = null;
  const finished = new Promise<void>((resolve) => {
    const waitMs = c.waitMs ?? 400;
    let timer: NodeJS.Timeout | null = null;
    const done = (): void => { if (timer) clearTimeout(timer); resolve(); };
    const arm = (ms: number): void => { if (timer) clearTimeout(timer); timer = setTimeout(done, ms); };
    const satisfied = (): boolean =>
      log.filter((r) => r.complete).length >= c.expect.requests &&
      statusLines(Buffer.concat(chunks)).length >= c.expect.responses;
    // Once the expectation is met, linger briefly so extra (unwanted) events are still seen.
    const check = (): void => { if (!c.idle && satisfied()) arm(150); };
    if (!shared) onChange = check;
    sock.on('data', (d: Buffer) => { chunks.push(d); check(); });
    sock.on('end', () => { if (end === 'open') { end = 'FIN'; endAt = Date.now() - start; } arm(50); });
    // (A FIN or RST ends the observation window early for every case, idle ones included.)
    sock.on('error', (e: NodeJS.ErrnoException) => {
      end = e.code === 'ECONNRESET' ? 'RST' : `error ${e.code ?? e.message}`;
      endAt = Date.now() - start;
      arm(50);
    });
    sock.on('close', () => { if (end === 'open') { end = 'FIN'; endAt = Date.now() - start; } arm(50); });
    sock.once('connect', () => {
      void (async () => {
        for (let i = 0; i < c.writes.length; i++) {
          if (i > 0 && c.gapMs) await sleep(c.gapMs);
          const w = c.writes[i];
          if (w && !sock.destroyed) sock.write(w);
        }
        arm(waitMs);
      })();
    });
  });
  await finished;
  if (!shared) onChange = () => {};
  // Snapshot before closing our side: closing fires onAborted for still-pending requests.
  const seen = log.map((r) => ({ ...r, headers: r.headers.slice() }));
  sock.destroy();
  const received = Buffer.concat(chunks);
  return {
    seen,
    client: { received, statuses: statusLines(received), end, endAfterMs: endAt },
    ms: Date.now() - start,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------- cases

const PING_BODY = Buffer.from('0xxxxxxxxxxxxxxx');
const CXX = golden('libprocess-cxx-1.11-ping.raw');
const GO = golden('mesos-go-0.0.6-register-framework.raw');
const GO_BODY = GO.subarray(GO.indexOf('\r\n\r\n') + 4);
const FROM = 'scheduler(1)@127.0.0.1:45209';
const BODY = Buffer.from('hello, libprocess');
const big = (n: number): Buffer => Buffer.alloc(n, 0x62);

function withHeaderBytes(total: number): Buffer {
  // Request line + Host + one X-Pad header sized so that the head (without final CRLF) ~= total bytes.
  const base = requestHead('GET /master/state HTTP/1.1', [['Host', 'h'], ['X-Pad', '']]).length;
  return requestHead('GET /master/state HTTP/1.1', [['Host', 'h'], ['X-Pad', 'p'.repeat(Math.max(0, total - base))]]);
}

function manyHeaders(n: number): Buffer {
  const h: Array<[string, string]> = [['Host', 'h']];
  for (let i = 1; i < n; i++) h.push([`X-H${i}`, 'v']);
  return requestHead('GET /master/state HTTP/1.1', h);
}

const MiB = 1024 * 1024;
const ok202 = (url: string, method = 'GET'): Expect => ({ requests: 1, each: [{ method, url }], responses: 1, open: true });

const cases: Case[] = [
  {
    id: 'cxx-golden',
    what: 'C++ libprocess 1.11 golden: 1.1, UA+From, empty Host, chunked',
    writes: [CXX],
    expect: {
      requests: 1, responses: 0, open: true,
      each: [{ method: 'POST', url: '/pong/ping', body: PING_BODY, headers: { host: '', 'libprocess-from': 'ping@127.0.0.1:5053' } }],
    },
  },
  {
    id: 'go-golden',
    what: 'mesos-go golden: 1.1, From only, Host set, Content-Length',
    writes: [GO],
    expect: {
      requests: 1, responses: 1, open: true,
      each: [{ method: 'POST', url: '/master/mesos.internal.RegisterFrameworkMessage', body: GO_BODY, headers: { 'libprocess-from': FROM } }],
    },
  },
  {
    id: 'http10-ua-only',
    what: 'HTTP/1.0 POST, only User-Agent: libprocess/, no Host, Content-Length',
    writes: [http10Message('master', 'mesos.internal.Ping', 'slave(1)@127.0.0.1:5051', BODY)],
    expect: { requests: 1, responses: 0, open: true, each: [{ method: 'POST', url: '/master/mesos.internal.Ping', body: BODY, headers: { host: null } }] },
  },
  {
    id: 'from-only-no-host',
    what: 'HTTP/1.1 POST, From only, Host ABSENT, Content-Length',
    writes: [fromOnlyMessage('master', 'mesos.internal.Ping', FROM, BODY, null)],
    expect: { requests: 1, responses: 1, open: true, each: [{ method: 'POST', url: '/master/mesos.internal.Ping', body: BODY, headers: { host: null } }] },
  },
  {
    id: 'from-only-empty-host',
    what: 'HTTP/1.1 POST, From only, empty Host, Content-Length',
    writes: [fromOnlyMessage('master', 'mesos.internal.Ping', FROM, BODY, '')],
    expect: { requests: 1, responses: 1, open: true, each: [{ method: 'POST', url: '/master/mesos.internal.Ping', body: BODY, headers: { host: '' } }] },
  },
  {
    id: 'cxx-empty-body',
    what: 'C++ libprocess, empty message: 1.1, no CL, no TE',
    writes: [cxxMessage('master', 'PING', 'slave(1)@127.0.0.1:5051', Buffer.alloc(0))],
    expect: { requests: 1, responses: 0, open: true, each: [{ method: 'POST', url: '/master/PING', bodyLength: 0 }] },
  },
  {
    id: 'cxx-chunk-ext',
    what: 'C++-style frame, chunk size with extension "10;ext=1"',
    writes: [cxxMessage('pong', 'ping', 'ping@127.0.0.1:5053', PING_BODY, ';ext=1')],
    expect: { requests: 1, responses: 0, open: true, each: [{ method: 'POST', url: '/pong/ping', body: PING_BODY }] },
  },
  {
    id: 'chunked-3-split',
    what: 'chunked body in 3 chunks, head/body sent in 2 packets 20 ms apart',
    writes: (() => {
      const body = big(3000);
      const h = requestHead('POST /master/x HTTP/1.1', [['Host', 'h'], ['Transfer-Encoding', 'chunked']]);
      const all = Buffer.concat([h, chunked(body, 3)]);
      return [all.subarray(0, h.length + 10), all.subarray(h.length + 10)];
    })(),
    gapMs: 20,
    expect: { requests: 1, responses: 1, open: true, each: [{ method: 'POST', url: '/master/x', bodyLength: 3000 }] },
  },
  {
    id: 'chunked-trailer',
    what: 'chunked body with a trailer header after the last chunk',
    writes: [Buffer.concat([
      requestHead('POST /master/x HTTP/1.1', [['Host', 'h'], ['Transfer-Encoding', 'chunked']]),
      chunked(BODY, 1, '', 'X-Trailer: 1\r\n'),
    ])],
    expect: { requests: 1, responses: 1, open: true, each: [{ method: 'POST', url: '/master/x', body: BODY }] },
  },
  {
    id: 'cxx-pipelined-x2',
    what: 'two C++ golden frames pipelined in one write',
    writes: [Buffer.concat([CXX, CXX])],
    expect: { requests: 2, responses: 0, open: true },
  },
  {
    id: 'cxx-then-cxx-100ms',
    what: 'two C++ golden frames on one connection, 100 ms apart',
    writes: [CXX, CXX],
    gapMs: 100,
    expect: { requests: 2, responses: 0, open: true },
  },
  {
    id: 'cxx-then-get',
    what: 'C++ golden frame then GET /master/state pipelined',
    writes: [Buffer.concat([CXX, get('/master/state', '1.1', 'h')])],
    expect: { requests: 2, responses: 1, open: true },
  },
  {
    id: 'go-pipelined-x2',
    what: 'two mesos-go golden frames pipelined (both answered)',
    writes: [Buffer.concat([GO, GO])],
    expect: { requests: 2, responses: 2, open: true },
  },
  {
    id: 'get-then-cxx',
    what: 'GET /master/state then C++ golden frame pipelined',
    writes: [Buffer.concat([get('/master/state', '1.1', 'h'), CXX])],
    expect: { requests: 2, responses: 1, open: true },
  },
  { id: 'get-11-no-host', what: 'GET HTTP/1.1 with Host absent', writes: [get('/master/state', '1.1', null)], expect: ok202('/master/state') },
  { id: 'get-11-empty-host', what: 'GET HTTP/1.1 with empty Host', writes: [get('/master/state', '1.1', '')], expect: ok202('/master/state') },
  { id: 'get-10-no-host', what: 'GET HTTP/1.0 with Host absent', writes: [get('/master/state', '1.0', null)], expect: { ...ok202('/master/state'), open: false } },
  {
    id: 'get-query-pct',
    what: 'GET /master/state?jsonp=cb%201 (query, percent-encoding)',
    writes: [get('/files/read%20me?path=%2Fa%20b&jsonp=cb', '1.1', 'h')],
    expect: ok202('/files/read%20me?path=%2Fa%20b&jsonp=cb'),
  },
  { id: 'hdr-4k', what: 'request head of 4 KiB', writes: [withHeaderBytes(4 * 1024)], expect: ok202('/master/state') },
  { id: 'hdr-8k', what: 'request head of 8 KiB', writes: [withHeaderBytes(8 * 1024)], expect: ok202('/master/state') },
  { id: 'hdr-16k', what: 'request head of 16 KiB', writes: [withHeaderBytes(16 * 1024)], expect: ok202('/master/state') },
  { id: 'hdr-64k', what: 'request head of 64 KiB', writes: [withHeaderBytes(64 * 1024)], expect: ok202('/master/state') },
  { id: 'hdrs-40', what: '40 header fields', writes: [manyHeaders(40)], expect: ok202('/master/state') },
  { id: 'hdrs-60', what: '60 header fields', writes: [manyHeaders(60)], expect: ok202('/master/state') },
  { id: 'hdrs-100', what: '100 header fields', writes: [manyHeaders(100)], expect: ok202('/master/state') },
  {
    id: 'body-64m-cl',
    what: '64 MiB Content-Length body (From-only message)',
    writes: [fromOnlyMessage('master', 'big', FROM, big(64 * MiB), 'h')],
    waitMs: 20_000, slow: true,
    expect: { requests: 1, responses: 1, open: true, each: [{ method: 'POST', url: '/master/big', bodyLength: 64 * MiB }] },
  },
  {
    id: 'body-64m-chunked',
    what: '64 MiB chunked body (C++ frame, 1 chunk)',
    writes: [cxxMessage('master', 'big', 'slave(1)@127.0.0.1:5051', big(64 * MiB))],
    waitMs: 20_000, slow: true,
    expect: { requests: 1, responses: 0, open: true, each: [{ method: 'POST', url: '/master/big', bodyLength: 64 * MiB }] },
  },
  {
    id: 'get-cxx-get',
    what: 'GET, C++ golden frame, GET pipelined in one write',
    writes: [Buffer.concat([get('/master/state', '1.1', 'h'), CXX, get('/master/state', '1.1', 'h')])],
    expect: { requests: 3, responses: 2, open: true },
  },
  {
    id: 'get-11-ua-no-host',
    what: 'GET HTTP/1.1, User-Agent set, Host absent',
    writes: [get('/master/state', '1.1', null, [['User-Agent', 'curl/8']])],
    expect: ok202('/master/state'),
  },
  {
    id: 'http10-4k',
    what: 'HTTP/1.0 frame followed by more frames until 4 KiB sent',
    writes: [Buffer.concat(Array.from({ length: 64 }, () => http10Message('master', 'mesos.internal.Ping', 'slave(1)@127.0.0.1:5051', BODY)))],
    expect: { requests: 64, responses: 0, open: true },
  },
  {
    id: 'te-and-cl',
    what: 'POST with both Transfer-Encoding: chunked and Content-Length',
    writes: [Buffer.concat([
      requestHead('POST /master/x HTTP/1.1', [['Host', 'h'], ['Transfer-Encoding', 'chunked'], ['Content-Length', '22']]),
      chunked(BODY, 1),
    ])],
    expect: { requests: 1, responses: 1, open: true, each: [{ method: 'POST', url: '/master/x', body: BODY }] },
  },
  {
    id: 'hdr-3k-split',
    what: 'request head of 3 KiB arriving in 2 packets (20 ms apart)',
    writes: (() => { const b = withHeaderBytes(3 * 1024); return [b.subarray(0, 1500), b.subarray(1500)]; })(),
    gapMs: 20,
    expect: ok202('/master/state'),
  },
  {
    id: 'hdr-8k-split',
    what: 'request head of 8 KiB arriving in 2 packets (20 ms apart)',
    writes: (() => { const b = withHeaderBytes(8 * 1024); return [b.subarray(0, 1500), b.subarray(1500)]; })(),
    gapMs: 20,
    expect: ok202('/master/state'),
  },
  {
    id: 'hdr-8k-split-5k',
    what: 'request head of 8 KiB arriving as 5 KiB + rest',
    writes: (() => { const b = withHeaderBytes(8 * 1024); return [b.subarray(0, 5000), b.subarray(5000)]; })(),
    gapMs: 20,
    expect: ok202('/master/state'),
  },
  { id: 'hdrs-48', what: '48 header fields', writes: [manyHeaders(48)], expect: ok202('/master/state') },
  { id: 'hdrs-49', what: '49 header fields', writes: [manyHeaders(49)], expect: ok202('/master/state') },
  // ---- connection-lifetime cases: run concurrently, each watched for 15 s.
  {
    id: 'idle-after-cxx',
    what: 'C++ golden frame (unanswered), then idle 15 s',
    writes: [CXX], waitMs: 15_000, slow: true, idle: true,
    expect: { requests: 1, responses: 0, open: true },
  },
  {
    id: 'idle-after-202',
    what: 'mesos-go golden frame (answered 202), then idle 15 s',
    writes: [GO], waitMs: 15_000, slow: true, idle: true,
    expect: { requests: 1, responses: 1, open: true },
  },
  {
    id: 'idle-no-request',
    what: 'connection opened, nothing sent, idle 15 s',
    writes: [], waitMs: 15_000, slow: true, idle: true,
    expect: { requests: 0, responses: 0, open: true },
  },
  {
    id: 'idle-after-http10',
    what: 'one HTTP/1.0 frame (never parsed), then idle 15 s',
    writes: [http10Message('master', 'mesos.internal.Ping', 'slave(1)@127.0.0.1:5051', BODY)], waitMs: 15_000, slow: true, idle: true,
    expect: { requests: 0, responses: 0, open: true },
  },
];

// ---------------------------------------------------------------- verdicts

function headerOf(r: SeenRequest, name: string): string | null {
  const hit = r.headers.find(([k]) => k === name);
  return hit ? hit[1] : null;
}

function verdict(c: Case, seen: SeenRequest[], client: ClientResult): { pass: boolean; notes: string[] } {
  const notes: string[] = [];
  const complete = seen.filter((r) => r.complete);
  const e = c.expect;
  if (!c.idle && complete.length !== e.requests) notes.push(`delivered ${complete.length}/${e.requests}`);
  e.each?.forEach((w, i) => {
    const r = complete[i];
    if (!r) return;
    if (r.method !== w.method) notes.push(`method ${r.method}`);
    if (r.url !== w.url) notes.push(`url ${r.url}`);
    if (w.body && !r.body.equals(w.body)) notes.push(`body ${r.body.length}B differs`);
    if (w.bodyLength !== undefined && r.body.length !== w.bodyLength) notes.push(`body ${r.body.length}B`);
    for (const [k, v] of Object.entries(w.headers ?? {})) {
      const got = headerOf(r, k);
      if (got !== v) notes.push(`${k}=${JSON.stringify(got)}`);
    }
  });
  if (!c.idle && seen.some((r) => r.aborted)) notes.push(`aborted ${seen.filter((r) => r.aborted).length}`);
  const got = client.statuses.filter((s) => s !== '100');
  if (got.length !== e.responses || got.some((s) => s !== '202')) notes.push(`responses [${client.statuses.join(',')}]`);
  const isOpen = client.end === 'open';
  if (isOpen !== e.open) notes.push(`conn ${client.end}${client.endAfterMs !== null ? `@${client.endAfterMs}ms` : ''}`);
  return { pass: notes.length === 0, notes };
}

// ---------------------------------------------------------------- main

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** Cases re-run with the `answer-all` policy, with the expectations that policy implies. */
function workaroundCases(): Case[] {
  const pick = (id: string, expect: Expect): Case => {
    const c = cases.find((x) => x.id === id);
    if (!c) throw new Error(`no case ${id}`);
    return { ...c, expect };
  };
  return [
    pick('cxx-pipelined-x2', { requests: 2, responses: 2, open: true }),
    pick('cxx-then-cxx-100ms', { requests: 2, responses: 2, open: true }),
    pick('cxx-then-get', { requests: 2, responses: 2, open: true }),
    pick('get-cxx-get', { requests: 3, responses: 3, open: true }),
    pick('idle-after-cxx', { requests: 1, responses: 1, open: true }),
  ];
}

async function runAll(policy: Policy, list: Case[]): Promise<Array<Record<string, string>>> {
  const srv = await startServer(policy);
  const rows: Array<Record<string, string>> = [];
  const selected = list.filter((c) => !(QUICK && c.slow));
  const results: Array<{ c: Case; seen: SeenRequest[]; client: ClientResult; ms: number }> = [];
  for (const c of selected.filter((x) => !x.idle)) results.push({ c, ...(await runCase(srv.port, c)) });
  // Lifetime cases share the request log (their requests are not judged), so they can overlap.
  log.length = 0;
  const idle = selected.filter((x) => x.idle);
  const idleResults = await Promise.all(idle.map(async (c) => ({ c, ...(await runCase(srv.port, c, true)) })));
  results.push(...idleResults.map((r) => ({ ...r, seen: [] })));
  for (const { c, seen, client, ms } of results) {
    const v = verdict(c, seen, client);
    const complete = seen.filter((r) => r.complete).length;
    rows.push({
      case: c.id,
      verdict: v.pass ? 'OK' : 'FAIL',
      delivered: c.idle ? 'n/a' : `${complete}${seen.length !== complete ? ` (+${seen.length - complete} partial)` : ''}`,
      responses: client.statuses.length ? client.statuses.join(',') : '-',
      conn: client.end + (client.endAfterMs !== null ? `@${client.endAfterMs}ms` : ''),
      notes: v.notes.join('; '),
      what: c.what,
    });
    if (JSON_OUT) {
      console.log(JSON.stringify({
        policy, id: c.id, ms,
        seen: seen.map((r) => ({ ...r, body: `${r.body.length}B` })),
        client: { ...client, received: client.received.subarray(0, 400).toString('latin1') },
      }));
    }
  }
  srv.close();
  return rows;
}

function printTable(rows: Array<Record<string, string>>): void {
  const cols = ['case', 'verdict', 'delivered', 'responses', 'conn', 'notes'] as const;
  const widths = cols.map((k) => Math.max(k.length, ...rows.map((r) => (r[k] ?? '').length)));
  const line = (r: Record<string, string>): string => '| ' + cols.map((k, i) => pad(r[k] ?? '', widths[i] ?? 0)).join(' | ') + ' |';
  console.log(line(Object.fromEntries(cols.map((k) => [k, k]))));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  const pkg = require('uWebSockets.js/package.json') as { name: string; version: string };
  console.log(`uWS probe: ${pkg.name}@${pkg.version} (native binary uws_${process.platform}_${process.arch}_${process.versions.modules}.node, uWebSockets core v20.43.0), node ${process.version}`);
  const [silent, workaround] = [await runAll('silent', cases), await runAll('answer-all', workaroundCases())];
  console.log('\nPolicy "silent": libprocess frames unanswered (what Mesos does); others get 202.');
  printTable(silent);
  console.log('\nPolicy "answer-all": every request gets 202 (workaround attempt).');
  printTable(workaround);
  console.log('\nCases:');
  for (const r of silent) console.log(`  ${pad(r['case'] ?? '', 20)} ${r['what'] ?? ''}`);
  process.exit(0);
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
