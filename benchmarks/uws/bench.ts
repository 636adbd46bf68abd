// Loopback throughput: uWebSockets.js vs node:http vs node:net + the project's RequestParser.
//
//   node --import tsx benchmarks/uws/bench.ts [--duration=8] [--reps=3] [--quick] [--no-pin] [--only=http,rr,pipe,stream]
//
// Needs `wrk` (Debian: apt-get install -y wrk). Each server runs in its own process (servers.ts);
// by default the server is pinned to CPU 0 and the load generator to CPU 1 (2-core machine).
// Sections:
//   http   GET /small (~200 B JSON) and GET /large (1 MiB), keep-alive, 1 and 50 connections (wrk)
//   rr     message POSTs answered with 202 (mesos-go framing), 1 and 50 connections (wrk)
//   pipe   the same POSTs pipelined 16 deep per connection (wrk + Lua)
//   stream one-way C++ libprocess frame streams (blaster.ts), counted by the server; uWS only
//          in --answer-all mode (it closes the connection otherwise: see probe.ts)
// Every run is preceded by an unrecorded warm-up of 2 s with the same settings. The machine is
// shared, so each case runs --reps times with the servers interleaved; tables give best and median
// rate and the server's median CPU time per request (less sensitive to neighbours than the rate).

import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerKind, ServerStats } from './servers.js';
import type { FrameKind } from './blaster.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = argv.includes('--quick');
const DURATION = Number(opt('duration') ?? (QUICK ? 3 : 8));
const PIN = !argv.includes('--no-pin');
const ONLY = opt('only');
const WARMUP = 2;

interface Server { kind: ServerKind; answerAll: boolean; port: number; child: ChildProcess }

function startServer(kind: ServerKind, answerAll = false): Promise<Server> {
  const child = fork(join(here, 'servers.ts'), [kind, ...(answerAll ? ['--answer-all'] : [])], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', function onReady(m: unknown) {
      if (typeof m === 'object' && m !== null && 'ready' in m) {
        child.off('message', onReady);
        if (PIN && child.pid) execFileSync('taskset', ['-a', '-p', '-c', '0', String(child.pid)], { stdio: 'ignore' });
        resolve({ kind, answerAll, port: (m as { ready: number }).ready, child });
      }
    });
  });
}

function ask<T>(s: Server, cmd: 'reset' | 'stats', key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: unknown): void => {
      if (typeof m === 'object' && m !== null && key in m) {
        s.child.off('message', on);
        resolve((m as Record<string, T>)[key] as T);
      }
    };
    s.child.on('message', on);
    s.child.send(cmd);
  });
}
const reset = (s: Server): Promise<boolean> => ask<boolean>(s, 'reset', 'reset');
const stats = (s: Server): Promise<ServerStats> => ask<ServerStats>(s, 'stats', 'stats');

async function stopServer(s: Server): Promise<void> {
  await new Promise<void>((resolve) => { s.child.once('exit', () => { resolve(); }); s.child.send('exit'); });
}

function run(cmd: string, args: string[]): Promise<string> {
  const [c, a] = PIN ? ['taskset', ['-c', '1', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const p = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', reject);
    p.on('exit', (code) => { if (code === 0) resolve(out); else reject(new Error(`${cmd} exited ${code}: ${out}`)); });
  });
}

// ------------------------------------------------------------------ wrk

const luaDir = mkdtempSync(join(tmpdir(), 'uws-bench-'));
const FROM = 'scheduler(1)@127.0.0.1:45209';
const MSG_PATH = '/master/mesos.internal.RegisterFrameworkMessage';
function lua(name: string, text: string): string {
  const p = join(luaDir, name);
  writeFileSync(p, text);
  return p;
}
const POST_LUA = lua('post.lua', `
wrk.method = "POST"
wrk.path = "${MSG_PATH}"
wrk.body = string.rep("x", 41)
wrk.headers["Libprocess-From"] = "${FROM}"
wrk.headers["Content-Type"] = "application/x-protobuf"
`);
const PIPE_LUA = lua('pipe.lua', `
init = function(args)
  local r = {}
  for i = 1, 16 do
    r[i] = wrk.format("POST", "${MSG_PATH}", {["Libprocess-From"] = "${FROM}", ["Content-Type"] = "application/x-protobuf"}, string.rep("x", 41))
  end
  req = table.concat(r)
end
request = function() return req end
`);

interface WrkResult { rps: number; mbps: number; p50: string; p99: string; errors: string }

function parseSize(v: string, unit: string): number {
  const m: Record<string, number> = { B: 1 / 1e6, KB: 1024 / 1e6, MB: 1024 * 1024 / 1e6, GB: 1024 * 1024 * 1024 / 1e6 };
  return Number(v) * (m[unit] ?? 0);
}

function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 'NaN');
  const t = /Transfer\/sec:\s+([\d.]+)(\w+)/.exec(out);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const sock = /Socket errors: (.*)/.exec(out)?.[1];
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1];
  const errors = [sock ? `socket ${sock}` : '', non2xx ? `non2xx ${non2xx}` : ''].filter(Boolean).join('; ');
  return { rps, mbps: t ? parseSize(t[1] ?? '0', t[2] ?? 'B') : NaN, p50, p99, errors };
}

async function wrk(s: Server, path: string, conns: number, script?: string): Promise<WrkResult & { cpuPerReq: number }> {
  const url = `http://127.0.0.1:${s.port}${path}`;
  const base = ['-t1', `-c${conns}`, '--latency', ...(script ? ['-s', script] : [])];
  await run('wrk', [...base, `-d${WARMUP}s`, url]);
  await reset(s);
  const out = await run('wrk', [...base, `-d${DURATION}s`, url]);
  const st = await stats(s);
  const r = parseWrk(out);
  return { ...r, cpuPerReq: st.requests ? st.cpuMicros / st.requests : NaN };
}

// ------------------------------------------------------------------ one-way stream

async function stream(s: Server, conns: number, frame: FrameKind): Promise<{ msgsPerSec: number; cpuPerMsg: number; closedEarly: number }> {
  const script = join(here, 'blaster.ts');
  const blast = (secs: number): Promise<string> => run(process.execPath, ['--import', 'tsx', script, String(s.port), String(conns), String(secs), frame]);
  await blast(WARMUP);
  // Sample the server's counters over a steady-state window inside a longer blast.
  const done = blast(DURATION + 2);
  await sleep(1000);
  await reset(s);
  const t0 = process.hrtime.bigint();
  await sleep(DURATION * 1000);
  const st = await stats(s);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const out = JSON.parse((await done).trim().split('\n').pop() ?? '{}') as { closedEarly?: number };
  return { msgsPerSec: st.msgs / secs, cpuPerMsg: st.msgs ? st.cpuMicros / st.msgs : NaN, closedEarly: out.closedEarly ?? -1 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ------------------------------------------------------------------ report

/** One measured run: the headline rate, server CPU per unit, and display extras. */
interface Sample { rate: number; cpu: number; extra: Record<string, string> }

const fmt = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[(s.length - 1) >> 1] ?? NaN) + (s[s.length >> 1] ?? NaN)) / 2 : NaN;
};

const rows: Array<Record<string, string>> = [];

/** Summarises repeated samples: best and median rate, median CPU, extras of the median-rate run. */
function summarise(section: string, server: string, load: string, conns: number, unit: string, samples: Sample[]): void {
  const rates = samples.map((x) => x.rate);
  const med = median(rates);
  const medRun = [...samples].sort((a, b) => Math.abs(a.rate - med) - Math.abs(b.rate - med))[0];
  const row: Record<string, string> = {
    section, server, load, conns: String(conns),
    [`best ${unit}/s`]: fmt(Math.max(...rates)),
    [`median ${unit}/s`]: fmt(med),
    [`cpu µs/${unit}`]: fmt(median(samples.map((x) => x.cpu)), 1),
    runs: rates.map((r) => fmt(r)).join(' '),
    ...(medRun?.extra ?? {}),
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}

function table(section: string): void {
  const rs = rows.filter((r) => r['section'] === section);
  const first = rs[0];
  if (!first) return;
  const all = Object.keys(first).filter((k) => k !== 'section');
  const w = all.map((c) => Math.max(c.length, ...rs.map((r) => (r[c] ?? '').length)));
  const line = (r: Record<string, string>): string => '| ' + all.map((c, i) => (r[c] ?? '').padEnd(w[i] ?? 0)).join(' | ') + ' |';
  console.log(`\n### ${section}`);
  console.log(line(Object.fromEntries(all.map((c) => [c, c]))));
  console.log('|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|');
  for (const r of rs) console.log(line(r));
}

const REPS = Number(opt('reps') ?? (QUICK ? 1 : 3));

async function main(): Promise<void> {
  const uwsVersion = (createRequire(import.meta.url)('uWebSockets.js/package.json') as { version: string }).version;
  // `wrk --version` prints its banner and exits 1.
  const wrkVersion = /wrk (?:debian\/)?\d\S*/.exec(await run('wrk', ['--version']).catch((e: unknown) => String(e)))?.[0] ?? 'wrk ?';
  console.log(`uWS ${uwsVersion}, node ${process.version}, ${wrkVersion}; ${REPS} runs of ${DURATION}s (+${WARMUP}s warm-up each), servers interleaved; pin ${PIN ? 'server=cpu0 load=cpu1' : 'off'}`);
  const want = (x: string): boolean => !ONLY || ONLY.split(',').includes(x);

  // Servers are started together and measured in turn, so machine noise spreads evenly.
  const servers = await Promise.all((['uws', 'node', 'net'] as const).map((k) => startServer(k)));

  const wrkCases: Array<{ section: string; path: string; label: string; script?: string; unit: string }> = [];
  if (want('http')) {
    wrkCases.push({ section: 'http', path: '/small', label: 'GET 200 B JSON', unit: 'req' });
    wrkCases.push({ section: 'http', path: '/large', label: 'GET 1 MiB', unit: 'req' });
  }
  if (want('rr')) wrkCases.push({ section: 'rr', path: MSG_PATH, label: 'POST 41 B, 202', script: POST_LUA, unit: 'msg' });
  if (want('pipe')) wrkCases.push({ section: 'pipe', path: MSG_PATH, label: 'POST 41 B, 16-deep pipeline', script: PIPE_LUA, unit: 'msg' });

  for (const wc of wrkCases) {
    for (const c of [1, 50]) {
      const samples = new Map<string, Sample[]>(servers.map((s) => [s.kind, []]));
      for (let rep = 0; rep < REPS; rep++) {
        for (const s of servers) {
          const r = await wrk(s, wc.path, c, wc.script);
          const extra: Record<string, string> = wc.section === 'http' ? { 'MB/s': fmt(r.mbps, 0) } : {};
          if (wc.section !== 'pipe') { extra['p50'] = r.p50; extra['p99'] = r.p99; }
          extra['errors'] = r.errors;
          samples.get(s.kind)?.push({ rate: r.rps, cpu: r.cpuPerReq, extra });
        }
      }
      for (const s of servers) summarise(wc.section, s.kind, wc.label, c, wc.unit, samples.get(s.kind) ?? []);
    }
  }
  await Promise.all(servers.map(stopServer));

  if (want('stream')) {
    const variants = await Promise.all([
      startServer('uws', true).then((s) => ({ s, label: 'uws (answer-all)' })),
      startServer('node', true).then((s) => ({ s, label: 'node (answer-all)' })),
      startServer('net', false).then((s) => ({ s, label: 'net (silent)' })),
      startServer('net', true).then((s) => ({ s, label: 'net (answer-all)' })),
    ]);
    for (const frame of ['cxx16', 'cxx1k'] as const) {
      for (const c of [1, 50]) {
        const samples = new Map<string, Sample[]>(variants.map((v) => [v.label, []]));
        for (let rep = 0; rep < REPS; rep++) {
          for (const v of variants) {
            const r = await stream(v.s, c, frame);
            samples.get(v.label)?.push({ rate: r.msgsPerSec, cpu: r.cpuPerMsg, extra: { 'conns closed by server': String(r.closedEarly) } });
          }
        }
        for (const v of variants) {
          summarise('stream', v.label, `C++ frames, ${frame === 'cxx16' ? '16 B' : '1 KiB'} body`, c, 'msg', samples.get(v.label) ?? []);
        }
      }
    }
    await Promise.all(variants.map((v) => stopServer(v.s)));
  }

  for (const section of ['http', 'rr', 'pipe', 'stream']) table(section);
  process.exit(0);
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
