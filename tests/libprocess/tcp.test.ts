import fs from 'node:fs';
import net from 'node:net';
import test from 'ava';
import { startRuntime, http, type Runtime, UPID } from '../../libprocess/index.js';
import { Recorder, eventually } from './helpers.js';

process.env['MESOS_TS_LOG_LEVEL'] = 'fatal';
const ENV = { LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT: '' };

async function start(delegate?: string): Promise<Runtime> {
  return startRuntime({ ip: '127.0.0.1', port: 0, env: ENV, ...(delegate ? { delegate } : {}) });
}

/** Opens a raw socket, writes `data`, collects everything read until `until` says stop or the peer closes. */
function exchange(
  port: number,
  data: Buffer | string,
  until: (received: string) => boolean = () => false,
  quietMs = 300,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(finish, quietMs);
    };
    socket.on('connect', () => {
      socket.write(data);
      arm();
    });
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (until(text)) finish();
      else arm();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => undefined);
  });
}

test('two runtimes exchange messages over TCP', async (t) => {
  const one = await start();
  const two = await start();
  const a = new Recorder('a');
  const b = new Recorder('b');
  one.spawn(a);
  const bPid = two.spawn(b);
  for (let i = 0; i < 1000; i++) a.send(bPid, 'data', Buffer.from(`m${i}`));
  await eventually(() => b.received.length === 1000);
  t.deepEqual(
    b.received.map((r) => r.body),
    Array.from({ length: 1000 }, (_, i) => `m${i}`),
  );
  t.is(b.received[0]?.from, a.self.toString());
  // And back, on the connection two opens to one.
  b.send(a.self, 'pong', Buffer.from('back'));
  await eventually(() => a.received.length === 1);
  t.is(a.received[0]?.from, bPid.toString());
  await one.shutdown();
  await two.shutdown();
});

test('a linked remote process exits when its runtime goes away', async (t) => {
  const one = await start();
  const two = await start();
  const a = new Recorder('a');
  one.spawn(a);
  const bPid = two.spawn(new Recorder('b'));
  await one.dispatch(a, (p) => p.watch(bPid));
  a.send(bPid, 'ping');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.deepEqual(a.exits, []);
  await two.shutdown();
  await eventually(() => a.exits.length === 1);
  t.deepEqual(a.exits, [bPid.toString()]);
  // Reconnect: a fresh runtime on another port is reachable right away.
  const three = await start();
  const c = new Recorder('c');
  const cPid = three.spawn(c);
  a.send(cPid, 'ping', Buffer.from('again'));
  await eventually(() => c.received.length === 1);
  t.pass();
  await one.shutdown();
  await three.shutdown();
});

test('linking to an address nobody listens on gives exited', async (t) => {
  const one = await start();
  const a = new Recorder('a');
  one.spawn(a);
  const nowhere = new UPID('x', '127.0.0.1', 1);
  await one.dispatch(a, (p) => p.watch(nowhere));
  await eventually(() => a.exits.length === 1);
  t.deepEqual(a.exits, [nowhere.toString()]);
  await one.shutdown();
});

test('golden C++ libprocess frame: delivered, no response', async (t) => {
  const runtime = await start();
  const pong = new Recorder('pong', ['ping']);
  runtime.spawn(pong);
  const frame = fs.readFileSync(new URL('../fixtures/libprocess-cxx-1.11-ping.raw', import.meta.url));
  const result = await exchange(runtime.port, frame);
  t.is(result.text, '');
  t.false(result.closed);
  t.is(pong.received.length, 1);
  t.is(pong.received[0]?.from, 'ping@127.0.0.1:5053');
  await runtime.shutdown();
});

test('golden mesos-go frame: delivered with 202, unknown receiver gets 404', async (t) => {
  const runtime = await start();
  class Master extends Recorder {}
  const master = new Master('master', ['mesos.internal.RegisterFrameworkMessage']);
  runtime.spawn(master);
  const frame = fs.readFileSync(new URL('../fixtures/mesos-go-0.0.6-register-framework.raw', import.meta.url));
  const result = await exchange(runtime.port, frame, (text) => text.includes('\r\n\r\n'));
  t.regex(result.text, /^HTTP\/1\.1 202 Accepted\r\n/);
  t.is(master.received.length, 1);
  t.is(master.received[0]?.from, 'scheduler(1)@127.0.0.1:45209');
  const misdirected = frame.toString('latin1').replace('POST /master/', 'POST /nobody/');
  const result404 = await exchange(runtime.port, Buffer.from(misdirected, 'latin1'), (text) => text.includes('\r\n\r\n'));
  t.regex(result404.text, /^HTTP\/1\.1 404 Not Found\r\n/);
  await runtime.shutdown();
});

test('old HTTP/1.0 frames with only User-Agent are delivered on a kept connection', async (t) => {
  const runtime = await start();
  const r = new Recorder('r', ['old']);
  runtime.spawn(r);
  const frame = (n: number): string =>
    `POST /r/old HTTP/1.0\r\nUser-Agent: libprocess/sender@127.0.0.1:7000\r\nContent-Length: 2\r\n\r\nm${n}`;
  const result = await exchange(runtime.port, frame(1) + frame(2) + frame(3));
  t.is(result.text, '');
  t.false(result.closed);
  t.deepEqual(
    r.received.map((x) => x.body),
    ['m1', 'm2', 'm3'],
  );
  t.is(r.received[0]?.from, 'sender@127.0.0.1:7000');
  await runtime.shutdown();
});

test('pipelined HTTP requests are answered in order even when handlers finish out of order', async (t) => {
  const runtime = await start();
  const r = new Recorder('svc');
  runtime.spawn(r);
  await runtime.dispatch(r, (p) => {
    p.addRoute('/slow', () => new Promise((resolve) => setTimeout(() => resolve(http.ok('slow')), 50)));
    p.addRoute('/fast', () => http.ok('fast'));
  });
  const req = (path: string): string => `GET /svc/${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const result = await exchange(runtime.port, req('slow') + req('fast') + req('missing'), (text) => text.split('HTTP/1.1').length > 3);
  const statuses = [...result.text.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
  t.deepEqual(statuses, ['200', '200', '404']);
  t.true(result.text.indexOf('slow') < result.text.indexOf('fast'));
  await runtime.shutdown();
});

test('delegate serves GET /state as /master/state; builtins answer', async (t) => {
  const runtime = await start('master');
  const master = new Recorder('master');
  runtime.spawn(master);
  await runtime.dispatch(master, (p) => p.addRoute('/state', () => http.okJSON('{"ok":true}')));
  const base = `http://127.0.0.1:${runtime.port}`;
  t.is(await (await fetch(`${base}/state`)).text(), '{"ok":true}');
  t.is(await (await fetch(`${base}/master/state`)).text(), '{"ok":true}');
  const metrics = (await (await fetch(`${base}/metrics/snapshot`)).json()) as Record<string, number>;
  t.is(typeof metrics['libprocess/processes'], 'number');
  const processes = (await (await fetch(`${base}/__processes__`)).json()) as Array<{ id: string }>;
  t.true(processes.some((p) => p.id === 'master'));
  t.is(await (await fetch(`${base}/logging/toggle`)).text(), '0\n');
  t.is((await fetch(`${base}/logging/toggle?level=1`)).status, 400);
  t.is((await fetch(`${base}/logging/toggle?level=2&duration=10secs`)).status, 200);
  t.is(await (await fetch(`${base}/logging/toggle`)).text(), '2\n');
  t.is((await fetch(`${base}/metrics/snapshot?timeout=bogus`)).status, 400);
  await runtime.shutdown();
});

test('streaming responses are chunked and stay open until closed', async (t) => {
  const runtime = await start();
  const r = new Recorder('events');
  runtime.spawn(r);
  await runtime.dispatch(r, (p) =>
    p.addRoute('/stream', () => ({
      status: 200,
      headers: { 'Content-Type': 'application/recordio' },
      body: (writer) => {
        writer.write('3\nabc');
        setTimeout(() => {
          writer.write('2\nde');
          writer.close();
        }, 20);
      },
    })),
  );
  const response = await fetch(`http://127.0.0.1:${runtime.port}/events/stream`);
  t.is(response.headers.get('transfer-encoding'), 'chunked');
  t.is(await response.text(), '3\nabc2\nde');
  await runtime.shutdown();
});

test('onSent runs once after the body reached the socket: plain, streamed, and when the peer is gone', async (t) => {
  const runtime = await start();
  const r = new Recorder('sent');
  runtime.spawn(r);
  const calls: string[] = [];
  let hold: (() => void) | undefined;
  const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
  await runtime.dispatch(r, (p) => {
    p.addRoute('/plain', () => ({ status: 200, body: big, onSent: () => calls.push('plain') }));
    p.addRoute('/stream', () => ({
      status: 200,
      body: (writer) => {
        writer.write(big);
        setTimeout(() => {
          writer.write('tail');
          writer.close();
        }, 20);
      },
      onSent: () => calls.push('stream'),
    }));
    p.addRoute('/never', () => ({
      status: 200,
      body: (writer) => {
        hold = () => writer.close();
        writer.write('x');
      },
      onSent: () => calls.push('never'),
    }));
  });
  const base = `http://127.0.0.1:${runtime.port}/sent`;
  t.is((await (await fetch(`${base}/plain`)).arrayBuffer()).byteLength, big.length);
  await eventually(() => calls.includes('plain'));
  const streamed = await fetch(`${base}/stream`);
  t.false(calls.includes('stream'));
  t.is((await streamed.arrayBuffer()).byteLength, big.length + 4);
  await eventually(() => calls.includes('stream'));
  // A stream whose peer leaves before it closes: onSent still runs (nothing refers to the body any more).
  await exchange(runtime.port, 'GET /sent/never HTTP/1.1\r\nHost: x\r\n\r\n', (text) => text.includes('\r\n1\r\nx'));
  await eventually(() => calls.includes('never'));
  hold?.();
  t.deepEqual(calls.sort(), ['never', 'plain', 'stream']);
  await runtime.shutdown();
});

const badInputs: Array<[string, string, RegExp]> = [
  ['garbage request line', 'HELLO\r\n\r\n', /^HTTP\/1\.1 400/],
  ['bad header', 'GET / HTTP/1.1\r\nno-colon-here\r\n\r\n', /^HTTP\/1\.1 400/],
  ['oversized headers', `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`, /^HTTP\/1\.1 431/],
  ['bad chunk size', 'POST /a/b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /^HTTP\/1\.1 400/],
  ['bad content length', 'POST /a/b HTTP/1.1\r\nContent-Length: -5\r\n\r\n', /^HTTP\/1\.1 400/],
];
for (const [label, input, expected] of badInputs) {
  test(`bad input (${label}) is answered and closed; the runtime keeps serving`, async (t) => {
    const runtime = await start();
    const r = new Recorder('r', ['data']);
    runtime.spawn(r);
    const result = await exchange(runtime.port, input);
    t.regex(result.text, expected);
    t.true(result.closed);
    const snapshot = await runtime.metrics.snapshot();
    const errors = [...snapshot.entries()].filter(([k]) => k.startsWith('libprocess/transport/errors/')).reduce((s, [, v]) => s + v, 0);
    t.is(errors, 1);
    // Other connections still work.
    const frame = 'POST /r/data HTTP/1.1\r\nLibprocess-From: x@127.0.0.1:9\r\nContent-Length: 2\r\n\r\nok';
    const ok = await exchange(runtime.port, frame, (text) => text.includes('\r\n\r\n'));
    t.regex(ok.text, /^HTTP\/1\.1 202/);
    t.is(r.received.length, 1);
    await runtime.shutdown();
  });
}

test('oversized body is refused with 413 (configurable limit)', async (t) => {
  const runtime = await startRuntime({ ip: '127.0.0.1', port: 0, env: ENV, limits: { maxBodyBytes: 1024 } });
  const result = await exchange(
    runtime.port,
    `POST /r/data HTTP/1.1\r\nLibprocess-From: x@127.0.0.1:9\r\nContent-Length: 4096\r\n\r\n${'x'.repeat(4096)}`,
  );
  t.regex(result.text, /^HTTP\/1\.1 413/);
  t.true(result.closed);
  await runtime.shutdown();
});

test('invalid sender UPIDs are counted and answered 400 when a reply is expected', async (t) => {
  const runtime = await start();
  const r = new Recorder('r', ['data']);
  runtime.spawn(r);
  const noisy = await exchange(
    runtime.port,
    'POST /r/data HTTP/1.1\r\nLibprocess-From: not-a-pid\r\nContent-Length: 0\r\n\r\n',
    (text) => text.includes('\r\n\r\n'),
  );
  t.regex(noisy.text, /^HTTP\/1\.1 400/);
  const silent = await exchange(runtime.port, 'POST /r/data HTTP/1.1\r\nUser-Agent: libprocess/garbage\r\nContent-Length: 0\r\n\r\n');
  t.is(silent.text, '');
  const snapshot = await runtime.metrics.snapshot();
  t.is(snapshot.get('libprocess/transport/invalid_messages'), 2);
  t.is(r.received.length, 0);
  await runtime.shutdown();
});
