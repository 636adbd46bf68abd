import test from 'ava';
import { Clock, InMemoryNetwork, Process, ProcessNotFoundError, UPID, http } from '../../libprocess/index.js';
import { startMemoryRuntime } from '../../libprocess/index.js';
import { Recorder } from './helpers.js';

process.env['MESOS_TS_LOG_LEVEL'] = 'fatal';

function setup(): { network: InMemoryNetwork; clock: Clock } {
  const clock = new Clock();
  clock.pause();
  return { network: new InMemoryNetwork(), clock };
}

test('spawn runs initialize first and delivers messages in order', async (t) => {
  const { network, clock } = setup();
  const runtime = startMemoryRuntime(network, { clock });
  const a = new Recorder('a');
  const b = new Recorder('b');
  runtime.spawn(a);
  const bPid = runtime.spawn(b);
  for (let i = 0; i < 100; i++) a.send(bPid, 'data', Buffer.from(String(i)));
  await runtime.settle();
  t.true(b.initialized);
  t.deepEqual(
    b.received.map((r) => r.body),
    Array.from({ length: 100 }, (_, i) => String(i)),
  );
  t.is(b.received[0]?.from, a.self.toString());
  await runtime.shutdown();
});

test('generated ids look like name(N)', async (t) => {
  const { network, clock } = setup();
  const runtime = startMemoryRuntime(network, { clock });
  t.is(runtime.spawn(new Recorder('slave()')).id, 'slave(1)');
  t.is(runtime.spawn(new Recorder('slave()')).id, 'slave(2)');
  t.throws(() => runtime.spawn(new Recorder('slave(1)')), { message: /already exists/ });
  await runtime.shutdown();
});

test('dispatch runs inside the process and returns its result', async (t) => {
  const { network, clock } = setup();
  const runtime = startMemoryRuntime(network, { clock });
  const a = new Recorder('a');
  runtime.spawn(a);
  t.is(await runtime.dispatch(a, (p) => (p.initialized ? 42 : 0)), 42);
  t.is(await runtime.dispatch(a.self, () => Promise.resolve('async')), 'async');
  await t.throwsAsync(
    runtime.dispatch(a, () => {
      throw new Error('boom');
    }),
    { message: 'boom' },
  );
  runtime.terminate(a);
  await runtime.wait(a);
  await t.throwsAsync(runtime.dispatch(a, () => 1), { instanceOf: ProcessNotFoundError });
  await runtime.shutdown();
});

test('terminate finalizes, resolves waiters and notifies linked processes', async (t) => {
  const { network, clock } = setup();
  const runtime = startMemoryRuntime(network, { clock });
  const watcher = new Recorder('watcher');
  const target = new Recorder('target');
  runtime.spawn(watcher);
  const targetPid = runtime.spawn(target);
  await runtime.dispatch(watcher, (w) => w.watch(targetPid));
  const waited = runtime.wait(targetPid);
  runtime.terminate(targetPid);
  await waited;
  await runtime.settle();
  t.true(target.finalized);
  t.deepEqual(watcher.exits, [targetPid.toString()]);
  t.false(runtime.exists(targetPid));
  // Messages to a terminated process are dropped and counted.
  watcher.send(targetPid, 'data');
  const snapshot = await runtime.metrics.snapshot();
  t.is(snapshot.get('libprocess/messages_dropped/unknown_receiver'), 1);
  await runtime.shutdown();
});

test('linking to a process that does not exist gives exited at once', async (t) => {
  const { network, clock } = setup();
  const runtime = startMemoryRuntime(network, { clock });
  const watcher = new Recorder('watcher');
  runtime.spawn(watcher);
  const ghost = new UPID('ghost', runtime.host, runtime.port);
  await runtime.dispatch(watcher, (w) => w.watch(ghost));
  await runtime.settle();
  t.deepEqual(watcher.exits, [ghost.toString()]);
  await runtime.shutdown();
});

class Spinner extends Process {
  count = 0;
  constructor() {
    super('spinner');
  }
  protected override initialize(): void {
    this.install('spin', () => {
      this.count++;
      if (this.count < 100_000) this.send(this.self, 'spin');
    });
  }
}

test('a process flooding its own mailbox does not starve others', async (t) => {
  const { network, clock } = setup();
  const runtime = startMemoryRuntime(network, { clock });
  const spinner = new Spinner();
  const other = new Recorder('other');
  runtime.spawn(spinner);
  runtime.spawn(other);
  spinner.send(spinner.self, 'spin');
  await runtime.settle();
  spinner.count = 0;
  spinner.send(spinner.self, 'spin');
  other.send(other.self, 'data');
  let countWhenOtherRan = -1;
  await runtime.dispatch(other, () => {
    countWhenOtherRan = spinner.count;
  });
  t.true(countWhenOtherRan >= 0 && countWhenOtherRan < 1000, `spinner ran ${countWhenOtherRan} times first`);
  await runtime.settle();
  t.is(spinner.count, 100_000);
  t.is(other.received.length, 1);
  await runtime.shutdown();
});

class Ticker extends Process {
  readonly ticks: number[] = [];
  constructor() {
    super('ticker');
  }
  protected override initialize(): void {
    const start = this.runtime.clock.now();
    const tick = (): void => {
      this.ticks.push(this.runtime.clock.now() - start);
      this.delay(1000, tick);
    };
    this.delay(1000, tick);
  }
}

test('delay follows the paused clock', async (t) => {
  const { network, clock } = setup();
  const runtime = startMemoryRuntime(network, { clock });
  const ticker = new Ticker();
  runtime.spawn(ticker);
  await runtime.settle();
  clock.advance(999);
  await runtime.settle();
  t.deepEqual(ticker.ticks, []);
  clock.advance(1);
  await runtime.settle();
  t.deepEqual(ticker.ticks, [1000]);
  clock.advance(1000);
  await runtime.settle();
  clock.advance(1000);
  await runtime.settle();
  t.deepEqual(ticker.ticks, [1000, 2000, 3000]);
  await runtime.shutdown();
});

class Deferrer extends Process {
  readonly results: string[] = [];
  constructor() {
    super('deferrer');
  }
  start(promise: Promise<string>): void {
    this.defer(promise, (result) => this.results.push(result.ok ? result.value : `error:${String(result.error)}`));
  }
}

test('defer runs continuations inside the process', async (t) => {
  const { network, clock } = setup();
  const runtime = startMemoryRuntime(network, { clock });
  const d = new Deferrer();
  runtime.spawn(d);
  await runtime.dispatch(d, (p) => {
    p.start(Promise.resolve('a'));
    p.start(Promise.reject(new Error('b')));
  });
  await runtime.settle();
  t.deepEqual(d.results.sort(), ['a', 'error:Error: b']);
  await runtime.shutdown();
});

test('a throwing handler is logged and counted; the process keeps working', async (t) => {
  const { network, clock } = setup();
  const runtime = startMemoryRuntime(network, { clock });
  class Fragile extends Process {
    got = 0;
    constructor() {
      super('fragile');
    }
    protected override initialize(): void {
      this.install('x', () => {
        this.got++;
        if (this.got === 1) throw new Error('first one fails');
      });
    }
  }
  const f = new Fragile();
  runtime.spawn(f);
  f.send(f.self, 'x');
  f.send(f.self, 'x');
  await runtime.settle();
  t.is(f.got, 2);
  t.is((await runtime.metrics.snapshot()).get('libprocess/handler_errors'), 1);
  await runtime.shutdown();
});

test('filters drop messages by name (DROP_MESSAGE)', async (t) => {
  const { network, clock } = setup();
  const runtime = startMemoryRuntime(network, { clock });
  const r = new Recorder('r');
  runtime.spawn(r);
  const remove = runtime.addFilter((m) => m.name === 'ping');
  r.send(r.self, 'ping');
  r.send(r.self, 'pong');
  await runtime.settle();
  remove();
  r.send(r.self, 'ping');
  await runtime.settle();
  t.deepEqual(
    r.received.map((x) => x.name),
    ['pong', 'ping'],
  );
  await runtime.shutdown();
});

test('messages cross runtimes on the in-memory network; disconnect gives exited', async (t) => {
  const { network, clock } = setup();
  const one = startMemoryRuntime(network, { clock });
  const two = startMemoryRuntime(network, { clock });
  const a = new Recorder('a');
  const b = new Recorder('b');
  one.spawn(a);
  const bPid = two.spawn(b);
  await one.dispatch(a, (p) => p.watch(bPid));
  a.send(bPid, 'ping', Buffer.from('hello'));
  await one.settle();
  await two.settle();
  t.deepEqual(b.received, [{ from: a.self.toString(), name: 'ping', body: 'hello' }]);
  network.disconnect(one.address, two.address);
  await one.settle();
  t.deepEqual(a.exits, [bPid.toString()]);
  await one.shutdown();
  await two.shutdown();
});

test('routes: longest prefix, delegate, 404 and 500', async (t) => {
  const { network, clock } = setup();
  const runtime = startMemoryRuntime(network, { clock, delegate: 'master' });
  const master = new Recorder('master');
  runtime.spawn(master);
  await runtime.dispatch(master, (m) => {
    m.addRoute('/state', () => http.okJSON('{"leader":"x"}'));
    m.addRoute('/files/browse', (req) => http.ok(`browse ${req.path}`));
    m.addRoute('/boom', () => {
      throw new Error('kaboom');
    });
    m.addRoute('/later', async () => http.ok('later'));
  });
  const call = (path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve) => {
      runtime.handleHttp(
        { method: 'GET', path, url: path, query: new URLSearchParams(), headers: new Map(), body: Buffer.alloc(0), keepAlive: true },
        (response) => resolve({ status: response.status, body: String(typeof response.body === 'function' ? '' : (response.body ?? '')) }),
      );
    });
  t.deepEqual(await call('/master/state'), { status: 200, body: '{"leader":"x"}' });
  t.deepEqual(await call('/state'), { status: 200, body: '{"leader":"x"}' });
  t.deepEqual(await call('/master/files/browse/x/y'), { status: 200, body: 'browse /master/files/browse/x/y' });
  t.is((await call('/master/nothing')).status, 404);
  t.is((await call('/master/../etc')).status, 404);
  t.is((await call('state')).status, 400);
  t.deepEqual(await call('/master/boom'), { status: 500, body: 'kaboom' });
  t.deepEqual(await call('/master/later'), { status: 200, body: 'later' });
  await runtime.shutdown();
});
