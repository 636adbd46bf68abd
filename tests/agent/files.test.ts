import test from 'ava';
import { chmod, mkdir, mkdtemp, realpath, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Clock, InMemoryNetwork, startMemoryRuntime, type Response, type Runtime } from '../../libprocess/index.js';
import {
  Files,
  MAX_READ_LENGTH,
  extensionOf,
  isWithin,
  jsonStringBytes,
  mimeType,
  modeString,
  parseInteger,
  resolveVirtualPath,
} from '../../agent/files.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

interface Result {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface Setup {
  runtime: Runtime;
  files: Files;
  /** Canonical temp root. */
  root: string;
  /** The attached sandbox (real path). */
  sandbox: string;
  get(url: string): Promise<Result>;
  json(url: string): Promise<unknown>;
  cleanup(): Promise<void>;
}

function collect(response: Response): Promise<Buffer> {
  const body = response.body;
  if (typeof body !== 'function') return Promise.resolve(Buffer.from(body ?? ''));
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let done: () => void = () => undefined;
    const closed = new Promise<void>((r) => (done = r));
    body({
      write: (data) => {
        parts.push(Buffer.from(data));
        return true;
      },
      close: () => {
        done();
        resolve(Buffer.concat(parts));
      },
      closed,
      pending: 0,
    });
  });
}

async function setup(): Promise<Setup> {
  const clock = new Clock();
  const runtime = startMemoryRuntime(new InMemoryNetwork(), { clock });
  const files = new Files(runtime);
  const root = await realpath(await mkdtemp(join(tmpdir(), 'files-')));
  const sandbox = join(root, 'sandbox');
  await mkdir(join(sandbox, 'sub'), { recursive: true });
  await writeFile(join(sandbox, 'stdout'), 'hello\nworld\n');
  await writeFile(join(sandbox, 'sub', 'notes.txt'), 'inside');
  // Outside the sandbox: a sibling whose name starts like it, and a secret.
  await mkdir(join(root, 'sandbox2'));
  await writeFile(join(root, 'sandbox2', 'secret'), 'sibling secret');
  await writeFile(join(root, 'secret'), 'top secret');
  await symlink(join(root, 'secret'), join(sandbox, 'escape'));
  await symlink('../sandbox2/secret', join(sandbox, 'sibling'));
  await symlink('sub/notes.txt', join(sandbox, 'alias.txt'));
  await files.attach(sandbox, sandbox);
  await files.attach(sandbox, '/virtual/sandbox/');
  const get = (url: string): Promise<Result> => {
    const parsed = new URL(url, 'http://agent.test');
    return new Promise((resolve) => {
      runtime.handleHttp(
        {
          method: 'GET',
          path: decodeURIComponent(parsed.pathname),
          url,
          query: parsed.searchParams,
          headers: new Map(),
          body: Buffer.alloc(0),
          keepAlive: true,
        },
        (response) => {
          void collect(response).then((body) => resolve({ status: response.status, headers: response.headers ?? {}, body }));
        },
      );
    });
  };
  return {
    runtime,
    files,
    root,
    sandbox,
    get,
    json: async (url) => {
      const result = await get(url);
      if (result.status !== 200) throw new Error(`${url}: ${result.status} ${result.body.toString()}`);
      return JSON.parse(result.body.toString('utf8')) as unknown;
    },
    cleanup: async () => {
      await runtime.shutdown();
      await rm(root, { recursive: true, force: true });
    },
  };
}

const q = encodeURIComponent;

test('pure helpers: mode text, integers, extensions, mime types, containment', (t) => {
  t.is(modeString(0o100644), '-rw-r--r--');
  t.is(modeString(0o040755), 'drwxr-xr-x');
  t.is(modeString(0o120777), 'lrwxrwxrwx');
  t.is(modeString(0o010600), 'prw-------');
  t.is(modeString(0o104755), '-rwxr-xr-x', 'setuid is not shown');
  t.is(parseInteger('42'), 42);
  t.is(parseInteger('+7'), 7);
  t.is(parseInteger('-1'), -1);
  t.is(parseInteger('0x1f'), 31);
  t.is(parseInteger(''), undefined);
  t.is(parseInteger('1.5'), undefined);
  t.is(parseInteger(' 1'), undefined);
  t.is(parseInteger('99999999999999999999'), undefined);
  t.is(extensionOf('/a/b/c.txt'), '.txt');
  t.is(extensionOf('/a/.bashrc'), '.bashrc');
  t.is(extensionOf('/a/b'), undefined);
  t.is(extensionOf('/a/b.tar.gz'), '.gz');
  t.is(mimeType('.txt'), 'text/plain');
  t.is(mimeType('.html'), 'text/html');
  t.is(mimeType('.gz'), undefined);
  t.true(isWithin('/a/b', '/a/b'));
  t.true(isWithin('/a/b/c', '/a/b'));
  t.false(isWithin('/a/bc', '/a/b'));
  t.true(isWithin('/x', '/'));
  t.is(jsonStringBytes(Buffer.from('a"b\\c/d\n\u0001\u007f')).toString(), 'a\\"b\\\\c\\/d\\n\\u0001\\u007f');
  const utf8 = Buffer.from('héllo ☃');
  t.is(jsonStringBytes(utf8), utf8, 'nothing to escape: the same bytes');
});

test('resolveVirtualPath: longest prefix, suffix below directories, files only by their own name', async (t) => {
  const s = await setup();
  const paths = new Map([
    ['/v', s.sandbox],
    ['/v/sub', join(s.sandbox, 'sub')],
    ['/f', join(s.sandbox, 'stdout')],
  ]);
  t.deepEqual(await resolveVirtualPath(paths, '/v'), { kind: 'found', path: s.sandbox });
  t.deepEqual(await resolveVirtualPath(paths, '/v/'), { kind: 'found', path: s.sandbox });
  t.deepEqual(await resolveVirtualPath(paths, '/v/stdout'), { kind: 'found', path: join(s.sandbox, 'stdout') });
  t.deepEqual(await resolveVirtualPath(paths, '/v//stdout'), { kind: 'found', path: join(s.sandbox, 'stdout') });
  t.deepEqual(await resolveVirtualPath(paths, '/v/sub/notes.txt'), { kind: 'found', path: join(s.sandbox, 'sub', 'notes.txt') });
  t.deepEqual(await resolveVirtualPath(paths, '/v/alias.txt'), { kind: 'found', path: join(s.sandbox, 'sub', 'notes.txt') });
  t.deepEqual(await resolveVirtualPath(paths, '/f'), { kind: 'found', path: join(s.sandbox, 'stdout') });
  t.deepEqual(await resolveVirtualPath(paths, '/f/x'), { kind: 'none' });
  t.deepEqual(await resolveVirtualPath(paths, '/v/missing'), { kind: 'none' });
  t.deepEqual(await resolveVirtualPath(paths, '/other'), { kind: 'none' });
  t.deepEqual(await resolveVirtualPath(paths, '/'), { kind: 'none' });
  t.deepEqual(await resolveVirtualPath(paths, 'v'), { kind: 'none' }, 'relative names do not match absolute ones');
  t.deepEqual(await resolveVirtualPath(paths, '/v/../secret'), {
    kind: 'error',
    message: `'${s.sandbox}/../secret' is inaccessible`,
  });
  t.deepEqual(await resolveVirtualPath(paths, '/v/sibling'), { kind: 'error', message: `'${s.sandbox}/sibling' is inaccessible` });
  t.deepEqual(
    await resolveVirtualPath(paths, '/v/sub/../stdout'),
    { kind: 'error', message: `'${s.sandbox}/sub/../stdout' is inaccessible` },
    'the longest attached prefix (/v/sub) is the root that must contain the result',
  );
  t.deepEqual(await resolveVirtualPath(new Map([['/v', s.sandbox]]), '/v/sub/../stdout'), {
    kind: 'found',
    path: join(s.sandbox, 'stdout'),
  });
  await s.cleanup();
});

test('/files/debug lists the attached names', async (t) => {
  const s = await setup();
  t.deepEqual(await s.json('/files/debug'), { [s.sandbox]: s.sandbox, '/virtual/sandbox': s.sandbox });
  const raw = (await s.get('/files/debug.json')).body.toString();
  t.true(raw.startsWith('{"\\/'), 'keys sorted, slashes escaped like stout');
  s.files.detach('/virtual/sandbox');
  await s.runtime.settle();
  t.deepEqual(await s.json('/files/debug'), { [s.sandbox]: s.sandbox });
  const jsonp = await s.get('/files/debug?jsonp=cb');
  t.is(jsonp.headers['Content-Type'], 'text/javascript');
  t.true(jsonp.body.toString().startsWith('cb({'));
  await s.cleanup();
});

test('attach fails for missing paths', async (t) => {
  const s = await setup();
  const missing = join(s.root, 'nope');
  await t.throwsAsync(s.files.attach(missing, '/nope'), { message: `Failed to get realpath of '${missing}': No such file or directory` });
  await s.cleanup();
});

test('/files/browse lists entries sorted by path with Mesos fields', async (t) => {
  const s = await setup();
  const mtime = new Date('2016-07-25T20:00:00Z');
  await utimes(join(s.sandbox, 'stdout'), mtime, mtime);
  await chmod(join(s.sandbox, 'stdout'), 0o640);
  const listing = (await s.json(`/files/browse?path=${q('/virtual/sandbox')}`)) as Array<Record<string, unknown>>;
  t.deepEqual(
    listing.map((entry) => entry['path']),
    ['alias.txt', 'escape', 'sibling', 'stdout', 'sub'].map((name) => `/virtual/sandbox/${name}`),
  );
  const stdout = listing.find((entry) => entry['path'] === '/virtual/sandbox/stdout');
  t.deepEqual(Object.keys(stdout ?? {}), ['gid', 'mode', 'mtime', 'nlink', 'path', 'size', 'uid']);
  t.like(stdout, { mode: '-rw-r-----', mtime: mtime.getTime() / 1000, nlink: 1, size: 12, uid: userInfo().username });
  t.is(typeof stdout?.['gid'], 'string');
  const sub = listing.find((entry) => entry['path'] === '/virtual/sandbox/sub');
  t.is(sub?.['mode'], 'drwxr-xr-x');
  const raw = (await s.get(`/files/browse?path=${q('/virtual/sandbox/')}`)).body.toString();
  t.regex(raw, /"mtime":1469476800\.0,/, 'mtime as a double, whole seconds');
  t.regex(raw, /"path":"\\\/virtual\\\/sandbox\\\/stdout"/, 'a trailing slash is not doubled');
  // Through the real-path name too.
  const real = (await s.json(`/files/browse?path=${q(`${s.sandbox}/sub`)}`)) as Array<Record<string, unknown>>;
  t.deepEqual(real.map((entry) => entry['path']), [`${s.sandbox}/sub/notes.txt`]);
  // A file browses as an empty listing, as Mesos (ls fails).
  t.deepEqual(await s.json(`/files/browse?path=${q('/virtual/sandbox/stdout')}`), []);
  await s.cleanup();
});

test('/files/browse errors: missing path 400, unknown 404, escapes 400', async (t) => {
  const s = await setup();
  const missing = await s.get('/files/browse');
  t.is(missing.status, 400);
  t.is(missing.body.toString(), "Expecting 'path=value' in query.\n");
  t.is((await s.get('/files/browse?path=')).status, 400);
  const unknown = await s.get(`/files/browse?path=${q('/not/attached')}`);
  t.is(unknown.status, 404);
  t.is(unknown.body.length, 0);
  const up = await s.get(`/files/browse?path=${q('/virtual/sandbox/..')}`);
  t.is(up.status, 400);
  t.is(up.body.toString(), `'${s.sandbox}/..' is inaccessible.\n`);
  await s.cleanup();
});

test('/files/read: data and offset, size with offset -1, length cap', async (t) => {
  const s = await setup();
  const path = q('/virtual/sandbox/stdout');
  t.deepEqual(await s.json(`/files/read?path=${path}&offset=0`), { data: 'hello\nworld\n', offset: 0 });
  t.deepEqual(await s.json(`/files/read?path=${path}&offset=6&length=3`), { data: 'wor', offset: 6 });
  t.deepEqual(await s.json(`/files/read?path=${path}&offset=-1`), { data: '', offset: 12 });
  t.deepEqual(await s.json(`/files/read?path=${path}`), { data: '', offset: 12 }, 'no offset: the size');
  t.deepEqual(await s.json(`/files/read?path=${path}&offset=0&length=-1`), { data: 'hello\nworld\n', offset: 0 });
  t.deepEqual(await s.json(`/files/read?path=${path}&offset=100`), { data: '', offset: 12 });
  t.deepEqual(await s.json(`/files/read?path=${path}&offset=0x6&length=0x2`), { data: 'wo', offset: 6 });
  const raw = (await s.get(`/files/read?path=${path}&offset=0`)).body.toString();
  t.is(raw, '{"data":"hello\\nworld\\n","offset":0}', 'keys sorted, stout escaping');

  const big = Buffer.alloc(MAX_READ_LENGTH + 100, 'x');
  await writeFile(join(s.sandbox, 'big'), big);
  const read = (await s.json(`/files/read?path=${q('/virtual/sandbox/big')}&offset=0&length=${MAX_READ_LENGTH * 2}`)) as {
    data: string;
  };
  t.is(read.data.length, MAX_READ_LENGTH);
  const tail = (await s.json(`/files/read?path=${q('/virtual/sandbox/big')}&offset=${MAX_READ_LENGTH}`)) as { data: string };
  t.is(tail.data.length, 100);

  const jsonp = await s.get(`/files/read?path=${path}&offset=0&length=5&jsonp=f`);
  t.is(jsonp.body.toString(), 'f({"data":"hello","offset":0});');
  t.is(jsonp.headers['Content-Type'], 'text/javascript');
  await s.cleanup();
});

test('/files/read keeps raw bytes and escapes control characters', async (t) => {
  const s = await setup();
  await writeFile(join(s.sandbox, 'bin'), Buffer.from([0x00, 0x41, 0xe2, 0x98, 0x83, 0x22, 0x7f]));
  const result = await s.get(`/files/read?path=${q('/virtual/sandbox/bin')}&offset=0`);
  t.deepEqual(
    result.body,
    Buffer.concat([Buffer.from('{"data":"\\u0000A'), Buffer.from([0xe2, 0x98, 0x83]), Buffer.from('\\"\\u007f","offset":0}')]),
  );
  t.deepEqual(JSON.parse(result.body.toString('utf8')), { data: '\u0000A☃"\u007f', offset: 0 });
  await s.cleanup();
});

test('/files/read errors as Mesos 1.0', async (t) => {
  const s = await setup();
  const path = q('/virtual/sandbox/stdout');
  const cases: Array<[string, number, string]> = [
    ['/files/read', 400, "Expecting 'path=value' in query.\n"],
    [`/files/read?path=${path}&offset=abc`, 400, "Failed to parse offset: Failed to convert 'abc' to number.\n"],
    [`/files/read?path=${path}&length=1.5`, 400, "Failed to parse length: Failed to convert '1.5' to number.\n"],
    [`/files/read?path=${path}&length=-2`, 400, 'Negative length provided: -2.\n'],
    [`/files/read?path=${q('/virtual/sandbox/sub')}`, 400, 'Cannot read a directory.\n'],
    [`/files/read?path=${q('/virtual/sandbox/nope')}`, 404, ''],
    [`/files/read?path=${q('/elsewhere/stdout')}`, 404, ''],
    [`/files/read?path=${path}&offset=-5`, 500, `Failed to seek file at '${s.sandbox}/stdout': Invalid argument`],
  ];
  for (const [url, status, body] of cases) {
    const result = await s.get(url);
    t.is(result.status, status, url);
    t.is(result.body.toString(), body, url);
  }
  await s.cleanup();
});

test('traversal attempts are refused', async (t) => {
  const s = await setup();
  const inaccessible = (candidate: string): string => `'${candidate}' is inaccessible.\n`;
  const attempts: Array<[string, number, string]> = [
    // `..` out of the virtual directory onto a real file.
    ['/virtual/sandbox/../secret', 400, inaccessible(`${s.sandbox}/../secret`)],
    ['/virtual/sandbox/sub/../../secret', 400, inaccessible(`${s.sandbox}/sub/../../secret`)],
    [`${s.sandbox}/../secret`, 400, inaccessible(`${s.sandbox}/../secret`)],
    ['/virtual/sandbox/../../../../../../etc/passwd', 400, inaccessible(`${s.sandbox}/../../../../../../etc/passwd`)],
    // Symlinks inside the sandbox that lead out of it (also into a sibling that shares the prefix).
    ['/virtual/sandbox/escape', 400, inaccessible(`${s.sandbox}/escape`)],
    ['/virtual/sandbox/sibling', 400, inaccessible(`${s.sandbox}/sibling`)],
    // Absolute real paths that are not attached.
    ['/etc/passwd', 404, ''],
    [join(s.root, 'secret'), 404, ''],
    [`${s.sandbox}2/secret`, 404, ''],
    // `..` that does not exist outside resolves to nothing.
    ['/virtual/sandbox/../nothing-here', 404, ''],
  ];
  for (const [path, status, body] of attempts) {
    for (const endpoint of ['read', 'download', 'browse']) {
      const result = await s.get(`/files/${endpoint}?path=${q(path)}&offset=0`);
      t.is(result.status, status, `${endpoint} ${path}`);
      t.is(result.body.toString(), body, `${endpoint} ${path}`);
    }
  }
  // Percent-encoded dots arrive decoded in the query, and are refused the same way.
  const encoded = await s.get('/files/read?path=/virtual/sandbox/%2e%2e/secret&offset=0');
  t.is(encoded.status, 400);
  t.is(encoded.body.toString(), inaccessible(`${s.sandbox}/../secret`));
  const doubly = await s.get('/files/read?path=/virtual/sandbox/%252e%252e/secret&offset=0');
  t.is(doubly.status, 404, 'a literal "%2e%2e" name is just a missing file');
  // A symlink that stays inside is fine.
  t.deepEqual(await s.json(`/files/read?path=${q('/virtual/sandbox/alias.txt')}&offset=0`), { data: 'inside', offset: 0 });
  await s.cleanup();
});

test('/files/download: raw bytes, attachment name, content type by extension', async (t) => {
  const s = await setup();
  const text = await s.get(`/files/download?path=${q('/virtual/sandbox/sub/notes.txt')}`);
  t.is(text.status, 200);
  t.is(text.body.toString(), 'inside');
  t.is(text.headers['Content-Type'], 'text/plain');
  t.is(text.headers['Content-Disposition'], 'attachment; filename=notes.txt');
  const plain = await s.get(`/files/download?path=${q('/virtual/sandbox/stdout')}`);
  t.is(plain.headers['Content-Type'], 'application/octet-stream');
  t.is(plain.headers['Content-Disposition'], 'attachment; filename=stdout');
  const alias = await s.get(`/files/download?path=${q('/virtual/sandbox/alias.txt')}`);
  t.is(alias.headers['Content-Disposition'], 'attachment; filename=notes.txt', 'the real file name');
  const dir = await s.get(`/files/download?path=${q('/virtual/sandbox/sub')}`);
  t.is(dir.status, 400);
  t.is(dir.body.toString(), 'Cannot download a directory.\n');
  t.is((await s.get('/files/download')).status, 400);
  t.is((await s.get(`/files/download?path=${q('/virtual/sandbox/none')}`)).status, 404);

  const big = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  await writeFile(join(s.sandbox, 'big.bin'), big);
  const streamed = await s.get(`/files/download?path=${q('/virtual/sandbox/big.bin')}`);
  t.is(streamed.status, 200);
  t.is(streamed.headers['Content-Type'], 'application/octet-stream');
  t.true(streamed.body.equals(big));
  await s.cleanup();
});

test('a file can be attached on its own (the agent log)', async (t) => {
  const s = await setup();
  await writeFile(join(s.root, 'mesos-slave.INFO'), 'log line\n');
  await s.files.attach(join(s.root, 'mesos-slave.INFO'), '/slave/log');
  t.deepEqual(await s.json('/files/read?path=/slave/log&offset=0'), { data: 'log line\n', offset: 0 });
  t.is((await s.get('/files/read?path=/slave/log/x&offset=0')).status, 404);
  t.is((await s.get('/files/browse?path=/slave')).status, 404, 'a parent of an attached name is not attached');
  const listing = await s.files.browse('/virtual/sandbox/sub');
  t.like(listing?.[0], { path: '/virtual/sandbox/sub/notes.txt', nlink: 1, size: 6, uid: userInfo().username });
  t.is(await s.files.browse('/nowhere'), undefined);
  await s.cleanup();
});
