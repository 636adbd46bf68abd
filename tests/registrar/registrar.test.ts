import test from 'ava';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Clock, InMemoryNetwork, startMemoryRuntime, type Runtime } from '../../libprocess/index.js';
import { Registrar, RegistrarError } from '../../master/registrar.js';
import { AdmitSlave, ReadmitSlave, RemoveSlave, UpdateWeights } from '../../master/registry-operations.js';
import { type Entry, FileStorage, InMemoryStorage, State, type Storage } from '../../master/state/index.js';
import { mesos } from '../../proto/index.js';

process.env['MESOS_TS_LOG_LEVEL'] = 'fatal';

const MASTER: mesos.MasterInfo.$Properties = { id: 'master-1', ip: 16777343, port: 5050, hostname: 'localhost' };
const slave = (id: string): mesos.SlaveInfo.$Properties => ({ id: { value: id }, hostname: `host-${id}`, port: 5051 });

/** A storage whose calls tests can hold, fail or hang, recording every set. */
class ScriptedStorage implements Storage {
  readonly sets: Entry[] = [];
  holdSets = false;
  hangGets = false;
  private readonly held: Array<{ go: () => void; fail: (error: Error) => void }> = [];

  constructor(readonly inner: Storage = new InMemoryStorage()) {}

  get(name: string): Promise<Entry | undefined> {
    return this.hangGets ? new Promise(() => undefined) : this.inner.get(name);
  }

  set(entry: Entry, uuid: Uint8Array): Promise<boolean> {
    this.sets.push(entry);
    if (!this.holdSets) return this.inner.set(entry, uuid);
    return new Promise((resolve, reject) =>
      this.held.push({ go: () => this.inner.set(entry, uuid).then(resolve, reject), fail: reject }),
    );
  }

  expunge(entry: Entry): Promise<boolean> {
    return this.inner.expunge(entry);
  }

  names(): Promise<string[]> {
    return this.inner.names();
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Lets the held sets go through. */
  release(): void {
    for (const { go } of this.held.splice(0)) go();
  }

  /** Fails the held sets. */
  failHeld(error: Error): void {
    for (const { fail } of this.held.splice(0)) fail(error);
  }

  /** The registry written by the n-th set (0-based). */
  stored(n: number): mesos.internal.Registry {
    const entry = this.sets[n];
    if (entry === undefined) throw new Error(`no set #${n}`);
    return mesos.internal.Registry.decode(entry.value);
  }
}

function setup(): { runtime: Runtime; clock: Clock } {
  const clock = new Clock();
  clock.pause();
  return { runtime: startMemoryRuntime(new InMemoryNetwork(), { clock }), clock };
}

interface Tracked<T> {
  settled: boolean;
  value?: T;
  error?: unknown;
}

function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: Tracked<T> = { settled: false };
  promise.then(
    (value) => Object.assign(tracked, { settled: true, value }),
    (error: unknown) => Object.assign(tracked, { settled: true, error }),
  );
  return tracked;
}

const ids = (registry: mesos.internal.Registry): string[] => (registry.slaves?.slaves ?? []).map((s) => s.info.id?.value ?? '?');

test('recover persists the MasterInfo before resolving', async (t) => {
  const { runtime } = setup();
  const storage = new ScriptedStorage();
  const registrar = new Registrar(runtime, storage);
  const registry = await registrar.recover(MASTER);
  t.is(registry.master?.info.id, 'master-1');
  t.is(storage.sets.length, 1);
  t.is(storage.stored(0).master?.info.id, 'master-1');
  // Recovering again returns the first result without touching storage.
  t.is((await registrar.recover({ ...MASTER, id: 'other' })).master?.info.id, 'master-1');
  t.is(storage.sets.length, 1);
  t.is(registrar.pid.id, 'registrar(1)');
  await runtime.shutdown();
});

test('operations before recover fail; those during recovery wait for it', async (t) => {
  const { runtime } = setup();
  const registrar = new Registrar(runtime, new InMemoryStorage());
  for (const op of [new AdmitSlave(slave('S1')), new ReadmitSlave(slave('S1')), new RemoveSlave(slave('S1'))]) {
    await t.throwsAsync(registrar.apply(op), {
      instanceOf: RegistrarError,
      message: 'Attempted to apply the operation before recovering',
    });
  }
  const recovered = registrar.recover(MASTER);
  const results = [
    registrar.apply(new AdmitSlave(slave('S1'))),
    registrar.apply(new ReadmitSlave(slave('S1'))),
    registrar.apply(new RemoveSlave(slave('S1'))),
  ];
  t.is((await recovered).master?.info.id, 'master-1');
  t.deepEqual(await Promise.all(results), [true, true, true]);
  await runtime.shutdown();
});

test('operations arriving during a store are batched into the next one', async (t) => {
  const { runtime } = setup();
  const storage = new ScriptedStorage();
  const registrar = new Registrar(runtime, storage);
  await registrar.recover(MASTER);
  storage.holdSets = true;

  const first = track(registrar.apply(new AdmitSlave(slave('A'))));
  await runtime.settle();
  t.is(storage.heldCount, 1, 'the first operation is stored on its own');

  const rest = ['B', 'C', 'D'].map((id) => track(registrar.apply(new AdmitSlave(slave(id)))));
  await runtime.settle();
  t.is(storage.heldCount, 1, 'nothing else is stored while a store is in flight');
  t.is((await runtime.metrics.snapshot()).get('registrar/queued_operations'), 3);
  t.false(first.settled);

  storage.release();
  await runtime.settle();
  t.true(first.settled);
  t.is(first.value, true);
  t.false(rest.some((r) => r.settled), 'the batch settles only with its own store');
  t.is(storage.heldCount, 1, 'the three queued operations went into one store');
  t.is((await runtime.metrics.snapshot()).get('registrar/queued_operations'), 0);

  storage.release();
  await runtime.settle();
  t.deepEqual(
    rest.map((r) => r.value),
    [true, true, true],
  );
  t.is(storage.sets.length, 3, 'recovery + one store for A + one store for B, C, D');
  t.deepEqual(ids(storage.stored(1)), ['A']);
  t.deepEqual(ids(storage.stored(2)), ['A', 'B', 'C', 'D']);
  await runtime.shutdown();
});

test('permitted vs refused, strict and not (every operation still persists the registry)', async (t) => {
  const { runtime } = setup();
  for (const strict of [false, true]) {
    const storage = new ScriptedStorage();
    const registrar = new Registrar(runtime, storage, { strict });
    await registrar.recover(MASTER);
    t.true(await registrar.apply(new AdmitSlave(slave('S1'))));
    t.is(await registrar.apply(new AdmitSlave(slave('S1'))), !strict);
    t.deepEqual(
      await registrar.applyWithOutcome(new ReadmitSlave(slave('S2'))),
      strict ? { permitted: false, mutated: false, error: 'Agent not yet admitted' } : { permitted: true, mutated: true },
    );
    t.deepEqual(await registrar.applyWithOutcome(new RemoveSlave(slave('S1'))), { permitted: true, mutated: true });
    t.deepEqual(await registrar.applyWithOutcome(new UpdateWeights([])), { permitted: true, mutated: false });
    t.is(storage.sets.length, 6, 'Mesos 1.0 stores every batch, changed or not');
    await registrar.stop();
  }
});

test('a new registrar on the same file storage recovers the agents (restart)', async (t) => {
  const { runtime } = setup();
  const root = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'mesos-ts-registrar-')), 'registry');
  try {
    const first = new Registrar(runtime, new FileStorage(root));
    await first.recover(MASTER);
    t.true(await first.apply(new AdmitSlave(slave('S1'))));
    t.true(await first.apply(new ReadmitSlave(slave('S2'))));
    await first.stop();

    const second = new Registrar(runtime, new State(new FileStorage(root)));
    const registry = await second.recover({ ...MASTER, id: 'master-2' });
    t.deepEqual(ids(registry), ['S1', 'S2']);
    t.is(registry.master?.info.id, 'master-2');
    await second.stop();
  } finally {
    await fs.rm(path.dirname(root), { recursive: true, force: true });
  }
  await runtime.shutdown();
});

test('a failed store fails its batch and the queue, then aborts the registrar', async (t) => {
  const { runtime } = setup();
  const storage = new ScriptedStorage();
  const registrar = new Registrar(runtime, storage);
  await registrar.recover(MASTER);
  storage.holdSets = true;
  const inflight = track(registrar.apply(new AdmitSlave(slave('A'))));
  await runtime.settle();
  const queued = track(registrar.apply(new AdmitSlave(slave('B'))));
  await runtime.settle();

  storage.failHeld(new Error('disk on fire'));
  await runtime.settle();

  const message = "Failed to update 'registry': disk on fire";
  t.true(inflight.error instanceof RegistrarError);
  t.is((inflight.error as Error).message, message);
  t.is((queued.error as Error).message, message);
  await t.throwsAsync(registrar.apply(new AdmitSlave(slave('C'))), { instanceOf: RegistrarError, message });
  t.is(storage.sets.length, 2, 'no store is attempted once aborted');
  await runtime.shutdown();
});

test('a store that loses a version race aborts with "version mismatch"', async (t) => {
  const { runtime } = setup();
  const inner = new InMemoryStorage();
  const registrar = new Registrar(runtime, inner);
  await registrar.recover(MASTER);
  // Another writer (say, a second master) updates the registry behind our back.
  const other = new State(inner);
  await other.store(await other.fetch('registry'));
  await t.throwsAsync(registrar.apply(new AdmitSlave(slave('A'))), {
    instanceOf: RegistrarError,
    message: "Failed to update 'registry': version mismatch",
  });
  await t.throwsAsync(registrar.apply(new AdmitSlave(slave('B'))), { message: /version mismatch/ });
  await runtime.shutdown();
});

test('a fetch that outlasts --registry_fetch_timeout fails the recovery (paused clock)', async (t) => {
  const { runtime, clock } = setup();
  const storage = new ScriptedStorage();
  storage.hangGets = true;
  const registrar = new Registrar(runtime, storage);
  const recovery = track(registrar.recover(MASTER));
  await runtime.settle();
  clock.advance(59_999);
  await runtime.settle();
  t.false(recovery.settled);
  t.false((await runtime.metrics.snapshot()).has('registrar/registry_size_bytes'), 'no size before recovery');
  clock.advance(1);
  await runtime.settle();
  t.true(recovery.error instanceof RegistrarError);
  t.is((recovery.error as Error).message, 'Failed to recover registrar: Failed to perform fetch within 1mins');
  await t.throwsAsync(registrar.apply(new AdmitSlave(slave('S1'))), { message: /Failed to perform fetch within 1mins/ });
  await runtime.shutdown();
});

test('a store that outlasts --registry_store_timeout fails recovery or the batch (paused clock)', async (t) => {
  const { runtime, clock } = setup();
  const storage = new ScriptedStorage();
  storage.holdSets = true;
  const registrar = new Registrar(runtime, storage);
  const recovery = track(registrar.recover(MASTER));
  await runtime.settle();
  t.is(storage.heldCount, 1);
  clock.advance(20_000);
  await runtime.settle();
  t.is(
    (recovery.error as Error | undefined)?.message,
    "Failed to recover registrar: Failed to persist MasterInfo: Failed to update 'registry': Failed to perform store within 20secs",
  );
  await t.throwsAsync(registrar.apply(new AdmitSlave(slave('S1'))), { instanceOf: RegistrarError });
  // A late answer from the storage changes nothing.
  storage.release();
  await runtime.settle();
  await t.throwsAsync(registrar.apply(new AdmitSlave(slave('S1'))), { instanceOf: RegistrarError });

  const storage2 = new ScriptedStorage();
  const registrar2 = new Registrar(runtime, storage2, { storeTimeoutMs: 5_000 });
  await registrar2.recover(MASTER);
  storage2.holdSets = true;
  const op = track(registrar2.apply(new AdmitSlave(slave('S1'))));
  await runtime.settle();
  clock.advance(5_000);
  await runtime.settle();
  t.is((op.error as Error | undefined)?.message, "Failed to update 'registry': Failed to perform store within 5secs");
  await t.throwsAsync(registrar2.apply(new AdmitSlave(slave('S2'))), { message: /within 5secs/ });
  await runtime.shutdown();
});

test('metrics: queue length, registry size, fetch and store timers', async (t) => {
  const { runtime, clock } = setup();
  const storage = new ScriptedStorage();
  const registrar = new Registrar(runtime, storage);
  storage.holdSets = true;
  const recovery = registrar.recover(MASTER);
  await runtime.settle();
  clock.advance(250);
  storage.holdSets = false;
  storage.release();
  await recovery;
  await registrar.apply(new AdmitSlave(slave('S1')));
  const snapshot = await runtime.metrics.snapshot();
  const last = storage.sets[storage.sets.length - 1];
  t.is(snapshot.get('registrar/registry_size_bytes'), last?.value.byteLength);
  t.is(snapshot.get('registrar/queued_operations'), 0);
  t.is(snapshot.get('registrar/state_fetch_ms'), 0);
  t.is(snapshot.get('registrar/state_store_ms'), 0, 'the last store took no virtual time');
  t.is(snapshot.get('registrar/state_store_ms/count'), 2);
  t.is(snapshot.get('registrar/state_store_ms/max'), 250);
  await registrar.stop();
  t.false((await runtime.metrics.snapshot()).has('registrar/queued_operations'), 'metrics go with the process');
  await runtime.shutdown();
});

test('/registrar(N)/registry serves the registry as JSON', async (t) => {
  const { runtime } = setup();
  const registrar = new Registrar(runtime, new InMemoryStorage());
  const get = (url: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve) => {
      const parsed = new URL(url, 'http://localhost');
      runtime.handleHttp(
        { method: 'GET', path: parsed.pathname, url, query: parsed.searchParams, headers: new Map(), body: Buffer.alloc(0), keepAlive: false },
        (response) => resolve({ status: response.status, body: String(response.body) }),
      );
    });
  t.deepEqual(await get(`/${registrar.pid.id}/registry`), { status: 200, body: '{}' });
  await registrar.recover(MASTER);
  await registrar.apply(new AdmitSlave(slave('S1')));
  const response = await get(`/${registrar.pid.id}/registry`);
  const json = JSON.parse(response.body) as { master: { info: { id: string } }; slaves: { slaves: Array<{ info: { id: { value: string } } }> } };
  t.is(json.master.info.id, 'master-1');
  t.is(json.slaves.slaves[0]?.info.id.value, 'S1');
  t.regex((await get(`/${registrar.pid.id}/registry?jsonp=cb`)).body, /^cb\(\{/);
  await runtime.shutdown();
});

test('stopping the registrar rejects what is pending', async (t) => {
  const { runtime } = setup();
  const storage = new ScriptedStorage();
  const registrar = new Registrar(runtime, storage);
  await registrar.recover(MASTER);
  storage.holdSets = true;
  const inflight = track(registrar.apply(new AdmitSlave(slave('A'))));
  await runtime.settle();
  const queued = track(registrar.apply(new AdmitSlave(slave('B'))));
  await runtime.settle();
  await registrar.stop();
  await runtime.settle();
  t.is((inflight.error as Error | undefined)?.message, 'Registrar terminated');
  t.is((queued.error as Error | undefined)?.message, 'Registrar terminated');
  await t.throwsAsync(registrar.apply(new AdmitSlave(slave('C'))));
  await runtime.shutdown();
});
