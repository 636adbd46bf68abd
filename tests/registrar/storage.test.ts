import test from 'ava';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CorruptEntryError,
  decodeEntryName,
  encodeEntryName,
  FileStorage,
  InMemoryStorage,
  State,
  type Storage,
  StorageError,
  versionFileName,
} from '../../master/state/index.js';
import { mesos } from '../../proto/index.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mesos-ts-state-'));
  tempDirs.push(dir);
  return dir;
}

test.after.always(async () => {
  await Promise.all(tempDirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

const kinds: Array<[string, () => Promise<Storage>]> = [
  ['InMemoryStorage', () => Promise.resolve(new InMemoryStorage())],
  ['FileStorage', async () => new FileStorage(path.join(await tempDir(), 'registry'))],
];

// ------------------------------------------------------------------ the State contract, for every storage

for (const [kind, make] of kinds) {
  test(`${kind}: fetch of an unknown name gives an empty variable with a fresh version`, async (t) => {
    const state = new State(await make());
    const a = await state.fetch('registry');
    const b = await state.fetch('registry');
    t.is(a.name, 'registry');
    t.is(a.value.byteLength, 0);
    t.is(a.uuid.byteLength, 16);
    t.notDeepEqual(a.uuid, b.uuid);
    t.deepEqual(await state.names(), []);
  });

  test(`${kind}: store then fetch round-trips and bumps the version`, async (t) => {
    const state = new State(await make());
    const fetched = await state.fetch('registry');
    const stored = await state.store(fetched.mutate(bytes('one')));
    if (stored === undefined) return t.fail('store failed');
    t.notDeepEqual(stored.uuid, fetched.uuid);
    const again = await state.fetch('registry');
    t.is(text(again.value), 'one');
    t.deepEqual(again.uuid, stored.uuid);
    t.deepEqual(await state.names(), ['registry']);
  });

  test(`${kind}: a store from a stale version resolves undefined and leaves the value`, async (t) => {
    const state = new State(await make());
    const v0 = await state.fetch('x');
    const v1 = await state.store(v0.mutate(bytes('first')));
    t.truthy(v1);
    const v1b = await state.fetch('x');
    t.truthy(await state.store(v1b.mutate(bytes('second'))));
    // Both v1 and v1b are stale now.
    t.is(await state.store(v1b.mutate(bytes('late'))), undefined);
    t.is(await state.store(v1!.mutate(bytes('later'))), undefined);
    t.is(text((await state.fetch('x')).value), 'second');
  });

  test(`${kind}: two writers from one version: exactly one wins`, async (t) => {
    const state = new State(await make());
    const base = await state.store((await state.fetch('x')).mutate(bytes('base')));
    if (base === undefined) return t.fail('store failed');
    const results = await Promise.all([state.store(base.mutate(bytes('a'))), state.store(base.mutate(bytes('b')))]);
    t.is(results.filter((r) => r !== undefined).length, 1);
    const winner = results.find((r) => r !== undefined);
    t.is(text((await state.fetch('x')).value), text(winner!.value));
  });

  test(`${kind}: expunge needs the current version`, async (t) => {
    const state = new State(await make());
    const missing = await state.fetch('gone');
    t.false(await state.expunge(missing));
    const v1 = await state.store(missing.mutate(bytes('1')));
    const v2 = await state.store(v1!.mutate(bytes('2')));
    t.false(await state.expunge(v1!));
    t.true(await state.expunge(v2!));
    t.false(await state.expunge(v2!));
    const after = await state.fetch('gone');
    t.is(after.value.byteLength, 0);
    t.deepEqual(await state.names(), []);
    // An absent entry can be written again, whatever version the writer holds.
    t.truthy(await state.store(v1!.mutate(bytes('3'))));
    t.is(text((await state.fetch('gone')).value), '3');
  });

  test(`${kind}: names are sorted and independent`, async (t) => {
    const state = new State(await make());
    for (const name of ['b', 'a/b', 'c d', 'ünï']) await state.store((await state.fetch(name)).mutate(bytes(name)));
    t.deepEqual(await state.names(), ['a/b', 'b', 'c d', 'ünï']);
    for (const name of ['b', 'a/b', 'c d', 'ünï']) t.is(text((await state.fetch(name)).value), name);
  });

  test(`${kind}: protobuf variables decode and encode`, async (t) => {
    const state = new State(await make());
    const empty = await state.fetchMessage<mesos.internal.Registry>('registry', mesos.internal.Registry);
    t.is(empty.value.master, null);
    const info = { id: 'm1', ip: 1, port: 5050 };
    const stored = await state.storeMessage(empty.mutate(mesos.internal.Registry.create({ master: { info } })));
    t.truthy(stored);
    t.true(stored!.storedSize > 0);
    const again = await state.fetchMessage<mesos.internal.Registry>('registry', mesos.internal.Registry);
    t.is(again.value.master?.info.id, 'm1');
    // A stale typed store is refused like a raw one.
    t.is(await state.storeMessage(empty.mutate(mesos.internal.Registry.create())), undefined);
  });

  test(`${kind}: a value that is not the expected message fails the fetch`, async (t) => {
    const state = new State(await make());
    await state.store((await state.fetch('registry')).mutate(new Uint8Array([0x0a, 0x05, 0x01])));
    await t.throwsAsync(state.fetchMessage('registry', mesos.internal.Registry), {
      instanceOf: StorageError,
      message: /Failed to deserialize state variable 'registry'/,
    });
  });
}

// ------------------------------------------------------------------ FileStorage specifics

test('FileStorage: the layout is <root>/<encoded name>/<16-digit version>.entry', async (t) => {
  const root = path.join(await tempDir(), 'work', 'registry');
  const state = new State(new FileStorage(root));
  const v1 = await state.store((await state.fetch('registry')).mutate(bytes('one')));
  t.deepEqual(await fs.readdir(root), ['registry']);
  t.deepEqual(await fs.readdir(path.join(root, 'registry')), ['0000000000000001.entry']);
  await state.store(v1!.mutate(bytes('two')));
  // Older versions are dropped once the new one is committed.
  t.deepEqual(await fs.readdir(path.join(root, 'registry')), ['0000000000000002.entry']);
  const file = await fs.readFile(path.join(root, 'registry', versionFileName(2)));
  t.is(file.subarray(0, 4).toString('latin1'), 'MTSE');
  const entry = mesos.internal.state.Entry.decode(file.subarray(44));
  t.is(entry.name, 'registry');
  t.is(text(entry.value), 'two');
});

test('FileStorage: entry names encode to safe directory names and back', (t) => {
  for (const [name, encoded] of [
    ['registry', 'registry'],
    ['a/b', 'a%2Fb'],
    ['..', '%2E%2E'],
    ['.tmp-x', '%2Etmp-x'],
    ['ü', '%C3%BC'],
    ['A_b-9', 'A_b-9'],
  ] as const) {
    t.is(encodeEntryName(name), encoded);
    t.is(decodeEntryName(encoded), name);
  }
  t.is(decodeEntryName('%2e'), undefined, 'lower-case escapes are not ours');
  t.is(decodeEntryName('lost+found'), undefined);
  t.is(decodeEntryName('.tmp-1-abc'), undefined);
});

test('FileStorage: a new instance on the same directory sees the data (restart)', async (t) => {
  const root = path.join(await tempDir(), 'registry');
  const before = new State(new FileStorage(root));
  const stored = await before.store((await before.fetch('registry')).mutate(bytes('persisted')));
  const after = new State(new FileStorage(root));
  const fetched = await after.fetch('registry');
  t.is(text(fetched.value), 'persisted');
  t.deepEqual(fetched.uuid, stored!.uuid);
  // The version survives the restart: the pre-restart variable can still be stored once.
  t.truthy(await after.store(stored!.mutate(bytes('next'))));
  t.is(await before.store(stored!.mutate(bytes('stale'))), undefined);
  t.deepEqual(await after.names(), ['registry']);
});

test('FileStorage: concurrent writers on two instances are detected', async (t) => {
  const root = path.join(await tempDir(), 'registry');
  const a = new State(new FileStorage(root));
  const b = new State(new FileStorage(root));
  const base = await a.store((await a.fetch('x')).mutate(bytes('base')));
  const fromB = await b.fetch('x');
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).store((i % 2 === 0 ? base! : fromB).mutate(bytes(`w${i}`)))),
  );
  t.is(results.filter((r) => r !== undefined).length, 1);
  // Creating an entry from scratch races the same way.
  const [c1, c2] = await Promise.all([a.fetch('new'), b.fetch('new')]);
  const created = await Promise.all([a.store(c1.mutate(bytes('1'))), b.store(c2.mutate(bytes('2')))]);
  t.is(created.filter((r) => r !== undefined).length, 1);
});

test('FileStorage: a crash mid-write leaves the old value readable', async (t) => {
  const root = path.join(await tempDir(), 'registry');
  const state = new State(new FileStorage(root));
  const v1 = await state.store((await state.fetch('registry')).mutate(bytes('old')));
  const dir = path.join(root, 'registry');
  // What a crash between writing the temp file and linking it leaves behind:
  // a partial temp file, and one with a complete next version.
  await fs.writeFile(path.join(dir, '.tmp-999999-deadbeef0001'), 'MTSE\x01\x01partial');
  const tmpFull = path.join(dir, '.tmp-999999-deadbeef0002');
  await fs.writeFile(tmpFull, await fs.readFile(path.join(dir, versionFileName(1))));

  const restarted = new State(new FileStorage(root));
  t.is(text((await restarted.fetch('registry')).value), 'old');
  t.deepEqual(await restarted.names(), ['registry']);
  // Writing goes on from the old version; fresh temp files are left alone...
  const v2 = await restarted.store(v1!.mutate(bytes('new')));
  t.truthy(v2);
  t.true((await fs.readdir(dir)).includes('.tmp-999999-deadbeef0001'));
  // ...and stale ones are swept by the next write.
  const old = new Date(Date.now() - 2 * 3_600_000);
  await fs.utimes(path.join(dir, '.tmp-999999-deadbeef0001'), old, old);
  await fs.utimes(tmpFull, old, old);
  await restarted.store(v2!.mutate(bytes('newer')));
  t.deepEqual(await fs.readdir(dir), [versionFileName(3)]);
  t.is(text((await restarted.fetch('registry')).value), 'newer');
});

test('FileStorage: a crash after linking but before cleanup reads the newest version', async (t) => {
  const root = path.join(await tempDir(), 'registry');
  const state = new State(new FileStorage(root));
  const v1 = await state.store((await state.fetch('registry')).mutate(bytes('one')));
  const dir = path.join(root, 'registry');
  const one = await fs.readFile(path.join(dir, versionFileName(1)));
  await state.store(v1!.mutate(bytes('two')));
  // Put version 1 back, as if the cleanup never ran.
  await fs.writeFile(path.join(dir, versionFileName(1)), one);
  const fetched = await new State(new FileStorage(root)).fetch('registry');
  t.is(text(fetched.value), 'two');
});

async function corruptedStorage(
  corrupt: (file: string) => Promise<void>,
): Promise<{ storage: FileStorage; file: string }> {
  const root = path.join(await tempDir(), 'registry');
  const state = new State(new FileStorage(root));
  await state.store((await state.fetch('registry')).mutate(bytes('precious registry contents')));
  const file = path.join(root, 'registry', versionFileName(1));
  await corrupt(file);
  return { storage: new FileStorage(root), file };
}

const corruptions: Array<[string, (file: string) => Promise<void>, RegExp]> = [
  ['truncated payload', async (f) => fs.truncate(f, (await fs.stat(f)).size - 3), /announces \d+ payload bytes but the file has \d+/],
  ['truncated header', (f) => fs.truncate(f, 10), /shorter than the 44-byte header/],
  ['empty file', (f) => fs.truncate(f, 0), /it is 0 bytes/],
  [
    'flipped payload byte',
    async (f) => {
      const b = await fs.readFile(f);
      b[b.length - 2] = (b[b.length - 2] ?? 0) ^ 0xff;
      await fs.writeFile(f, b);
    },
    /checksum mismatch/,
  ],
  [
    'flipped kind byte',
    async (f) => {
      const b = await fs.readFile(f);
      b[5] = 2;
      await fs.writeFile(f, b);
    },
    /checksum mismatch/,
  ],
  ['not our format', (f) => fs.writeFile(f, Buffer.alloc(100, 7)), /does not start with the "MTSE" magic/],
];

for (const [label, corrupt, reason] of corruptions) {
  test(`FileStorage: ${label} is reported, never read past or overwritten`, async (t) => {
    const { storage, file } = await corruptedStorage(corrupt);
    const original = await fs.readFile(file);
    const state = new State(storage);
    const error = await t.throwsAsync(state.fetch('registry'), { instanceOf: CorruptEntryError, message: reason });
    t.is(error?.path, file);
    t.regex(error?.message ?? '', /Refusing to read or overwrite it/);
    await t.throwsAsync(storage.set({ name: 'registry', uuid: new Uint8Array(16), value: bytes('x') }, new Uint8Array(16)), {
      instanceOf: CorruptEntryError,
    });
    await t.throwsAsync(state.names(), { instanceOf: CorruptEntryError });
    t.deepEqual(await fs.readFile(file), original);
  });
}

test('FileStorage: a file holding another entry is reported', async (t) => {
  const root = path.join(await tempDir(), 'registry');
  const state = new State(new FileStorage(root));
  await state.store((await state.fetch('a')).mutate(bytes('A')));
  await fs.mkdir(path.join(root, 'b'));
  await fs.copyFile(path.join(root, 'a', versionFileName(1)), path.join(root, 'b', versionFileName(1)));
  await t.throwsAsync(state.fetch('b'), { instanceOf: CorruptEntryError, message: /holds entry 'a', expected 'b'/ });
});

test('FileStorage: I/O errors surface as StorageError naming the root', async (t) => {
  const parent = await tempDir();
  const root = path.join(parent, 'registry');
  await fs.writeFile(root, 'a file where the directory should be');
  const state = new State(new FileStorage(root));
  await t.throwsAsync(state.fetch('registry'), { instanceOf: StorageError, message: /should be a directory/ });
  const v = new State(new InMemoryStorage());
  const variable = await v.fetch('registry');
  await t.throwsAsync(state.store(variable), { instanceOf: StorageError });
  await t.throwsAsync(new FileStorage(root).get(''), { instanceOf: StorageError, message: /must not be empty/ });
});
