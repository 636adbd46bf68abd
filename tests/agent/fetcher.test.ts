import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Fetcher, type FetcherFlags } from '../../agent/fetcher.js';
import { cacheFilename, extractCommand, uriBasename, uriToLocalPath } from '../../agent/fetcher-uri.js';
import { mesos } from '../../proto/index.js';
import { isRoot, sandbox, tempDir } from './containerizer-helpers.js';

type Uri = mesos.CommandInfo.URI.$Properties;

function setup(t: Parameters<typeof tempDir>[0], overrides: Partial<FetcherFlags> = {}) {
  const work = tempDir(t);
  const flags: FetcherFlags = {
    fetcher_cache_size: 1024 * 1024,
    fetcher_cache_dir: join(work, 'cache'),
    frameworks_home: '',
    hadoop_home: '',
    ...overrides,
  };
  const fetcher = new Fetcher(flags);
  const dir = sandbox(work);
  const fetch = (uris: Uri[], user?: string, id = 'c1') =>
    fetcher.fetch(id, { value: 'true', uris }, dir, user, 'agent-1');
  return { work, dir, fetcher, fetch, flags };
}

async function serve(
  t: Parameters<typeof tempDir>[0],
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a local absolute path is copied into the sandbox, with a log in stderr', async (t) => {
  const { work, dir, fetch } = setup(t);
  writeFileSync(join(work, 'a.txt'), 'A');
  writeFileSync(join(dir, 'stdout'), 'old output');
  await fetch([{ value: join(work, 'a.txt') }]);
  t.is(readFileSync(join(dir, 'a.txt'), 'utf8'), 'A');
  t.is(readFileSync(join(dir, 'stdout'), 'utf8'), ''); // truncated, as Mesos does
  const log = readFileSync(join(dir, 'stderr'), 'utf8');
  t.regex(log, /Fetcher Info: \{.*"sandbox_directory":/);
  t.regex(log, new RegExp(`Fetching URI '${work}/a\\.txt'`));
  t.regex(log, /Fetched '.*a\.txt' to '.*sandbox\/a\.txt'/);
});

test('file:// and file://localhost URIs are local files', async (t) => {
  const { work, dir, fetch } = setup(t);
  writeFileSync(join(work, 'b.txt'), 'B');
  writeFileSync(join(work, 'c.txt'), 'C');
  await fetch([{ value: `file://${work}/b.txt` }, { value: `file://localhost${work}/c.txt` }]);
  t.is(readFileSync(join(dir, 'b.txt'), 'utf8'), 'B');
  t.is(readFileSync(join(dir, 'c.txt'), 'utf8'), 'C');
});

test('http:// URIs are downloaded, following redirects, named after the URL path', async (t) => {
  const { dir, fetch } = setup(t);
  const base = await serve(t, (req, res) => {
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/files/real.bin' }).end();
    } else if (req.url === '/files/real.bin') {
      res.end('downloaded');
    } else {
      res.writeHead(404).end('no');
    }
  });
  await fetch([{ value: `${base}/files/real.bin` }, { value: `${base}/moved`, output_file: 'from-redirect.bin' }]);
  t.is(readFileSync(join(dir, 'real.bin'), 'utf8'), 'downloaded');
  t.is(readFileSync(join(dir, 'from-redirect.bin'), 'utf8'), 'downloaded');
});

test('an HTTP error status fails the fetch, naming the URI', async (t) => {
  const { fetch } = setup(t);
  const base = await serve(t, (_req, res) => res.writeHead(404).end('no'));
  await t.throwsAsync(fetch([{ value: `${base}/missing.txt` }]), {
    message: `Failed to fetch all URIs for container 'c1': Failed to fetch '${base}/missing.txt': Error downloading resource, received HTTP return code 404`,
  });
});

test('a missing local file fails the fetch, naming the URI', async (t) => {
  const { work, dir, fetch } = setup(t);
  const missing = join(work, 'missing.txt');
  const error = await t.throwsAsync(fetch([{ value: missing }]));
  t.is(
    error.message,
    `Failed to fetch all URIs for container 'c1': Failed to fetch '${missing}': Failed to copy with command ` +
      `'cp '${missing}' '${dir}/missing.txt'', exit status: 256`,
  );
  t.regex(readFileSync(join(dir, 'stderr'), 'utf8'), /Failed to fetch '.*missing\.txt': Failed to copy/);
});

test('executable URIs are made executable and never extracted', async (t) => {
  const { work, dir, fetch } = setup(t);
  writeFileSync(join(work, 'run.sh'), '#!/bin/sh\necho ran\n');
  writeFileSync(join(work, 'tool.tar.gz'), 'not really an archive');
  chmodSync(join(work, 'run.sh'), 0o600);
  await fetch([{ value: join(work, 'run.sh'), executable: true }, { value: join(work, 'tool.tar.gz'), executable: true }]);
  t.is(statSync(join(dir, 'run.sh')).mode & 0o777, 0o755);
  t.is(statSync(join(dir, 'tool.tar.gz')).mode & 0o777, 0o755);
});

test('tar.gz, zip and gz archives are extracted into the sandbox (and kept)', async (t) => {
  const { work, dir, fetch } = setup(t);
  const content = join(work, 'content');
  mkdirSync(join(content, 'sub'), { recursive: true });
  writeFileSync(join(content, 'sub', 'inner.txt'), 'inner');
  execFileSync('tar', ['-C', content, '-czf', join(work, 'bundle.tar.gz'), 'sub']);
  execFileSync('zip', ['-q', '-r', join(work, 'bundle.zip'), 'sub'], { cwd: content });
  writeFileSync(join(work, 'single.txt'), 'single');
  execFileSync('gzip', [join(work, 'single.txt')]);
  mkdirSync(join(work, 'zipped'));

  await fetch([{ value: join(work, 'bundle.tar.gz') }]);
  t.is(readFileSync(join(dir, 'sub', 'inner.txt'), 'utf8'), 'inner');
  t.true(existsSync(join(dir, 'bundle.tar.gz')));

  const { dir: dir2, fetch: fetch2 } = setup(t);
  await fetch2([{ value: join(work, 'bundle.zip') }, { value: join(work, 'single.txt.gz') }]);
  t.is(readFileSync(join(dir2, 'sub', 'inner.txt'), 'utf8'), 'inner');
  t.is(readFileSync(join(dir2, 'single.txt'), 'utf8'), 'single');
  t.regex(readFileSync(join(dir2, 'stderr'), 'utf8'), /Extracting with command: unzip -o -d '.*' '.*bundle\.zip'/);
});

test('extract: false leaves archives alone; output_file renames into subdirectories', async (t) => {
  const { work, dir, fetch } = setup(t);
  const content = join(work, 'content');
  mkdirSync(content);
  writeFileSync(join(content, 'x.txt'), 'x');
  execFileSync('tar', ['-C', content, '-cf', join(work, 'plain.tar'), 'x.txt']);
  await fetch([
    { value: join(work, 'plain.tar'), extract: false },
    { value: join(work, 'plain.tar'), extract: false, output_file: 'deep/er/renamed.tar' },
  ]);
  t.true(existsSync(join(dir, 'plain.tar')));
  t.false(existsSync(join(dir, 'x.txt')));
  t.true(existsSync(join(dir, 'deep', 'er', 'renamed.tar')));
});

test('relative paths need --frameworks_home', async (t) => {
  const { fetch } = setup(t);
  await t.throwsAsync(fetch([{ value: 'bin/tool' }]), {
    message:
      "Failed to fetch all URIs for container 'c1': Failed to fetch 'bin/tool': A relative path was passed for the " +
      'resource but the Mesos framework home was not specified. Please either provide this config option or avoid ' +
      'using a relative path',
  });
  await t.throwsAsync(fetch([{ value: 'file://bin/tool' }]), { message: /File URI only supports absolute paths$/ });

  const home = tempDir(t);
  mkdirSync(join(home, 'bin'));
  writeFileSync(join(home, 'bin', 'tool'), 'tool');
  const { dir, fetch: fetchWithHome } = setup(t, { frameworks_home: home });
  await fetchWithHome([{ value: 'bin/tool' }]);
  t.is(readFileSync(join(dir, 'tool'), 'utf8'), 'tool');
});

test('invalid URIs and output files are refused before fetching', async (t) => {
  const { fetch } = setup(t);
  await t.throwsAsync(fetch([{ value: "/tmp/it's" }]), { message: 'Could not fetch: Illegal characters in URI' });
  await t.throwsAsync(fetch([{ value: 'http://host' }]), { message: 'Could not fetch: Malformed URI (missing path): http://host' });
  await t.throwsAsync(fetch([{ value: '/tmp/x', output_file: '/abs' }]), {
    message: 'Could not fetch: URI output file must be within the sandbox directory',
  });
});

test('cached URIs are downloaded once per user and reused', async (t) => {
  const { work, fetcher, flags } = setup(t);
  let gets = 0;
  const base = await serve(t, (req, res) => {
    if (req.method === 'GET') gets++;
    res.writeHead(200, { 'content-length': '6' }).end(req.method === 'HEAD' ? undefined : 'cached');
  });
  const uri = { value: `${base}/pkg/data.bin`, cache: true };
  for (const name of ['s1', 's2']) {
    const dir = sandbox(work, name);
    await fetcher.fetch(name, { value: 'true', uris: [uri] }, dir, undefined, 'agent-1');
    t.is(readFileSync(join(dir, 'data.bin'), 'utf8'), 'cached');
  }
  t.is(gets, 1);
  t.is(fetcher.cacheSize(), 1);
  t.is(fetcher.availableCacheSpace(), 1024 * 1024 - 6);
  const files = await fetcher.cacheFiles('agent-1');
  t.deepEqual(
    files.map((f) => f.slice(f.lastIndexOf('/') + 1)),
    ['c1-data.bin'],
  );
  await Fetcher.recover('agent-1', flags);
  t.deepEqual(await fetcher.cacheFiles('agent-1'), []);
});

test('a URI too big for the cache is fetched directly', async (t) => {
  const { dir, fetcher, fetch } = setup(t, { fetcher_cache_size: 3 });
  const base = await serve(t, (_req, res) => res.writeHead(200, { 'content-length': '6' }).end('direct'));
  await fetch([{ value: `${base}/big.bin`, cache: true }]);
  t.is(readFileSync(join(dir, 'big.bin'), 'utf8'), 'direct');
  t.is(fetcher.cacheSize(), 0);
});

test('kill() stops a fetch in progress', async (t) => {
  const { fetcher, fetch } = setup(t);
  let started!: () => void;
  const requested = new Promise<void>((resolve) => (started = resolve));
  const base = await serve(t, (_req, res) => {
    res.writeHead(200);
    res.write('partial');
    started();
    // Never ends.
  });
  const fetching = fetch([{ value: `${base}/slow.bin` }]);
  await requested;
  fetcher.kill('c1');
  await t.throwsAsync(fetching, { message: "Failed to fetch all URIs for container 'c1': killed" });
});

test('as root, fetching happens as the task user', async (t) => {
  if (!isRoot) {
    t.pass('not root: skipped');
    return;
  }
  const { work, dir, fetch } = setup(t);
  writeFileSync(join(work, 'public.txt'), 'public');
  writeFileSync(join(work, 'secret.txt'), 'secret');
  chmodSync(join(work, 'secret.txt'), 0o600);
  await fetch([{ value: join(work, 'public.txt') }], 'nobody');
  t.is(statSync(join(dir, 'public.txt')).uid, 65534);
  t.is(statSync(dir).uid, 65534);
  t.is(statSync(join(dir, 'stderr')).uid, 65534);
  await t.throwsAsync(fetch([{ value: join(work, 'secret.txt') }], 'nobody'), { message: /Failed to copy/ });
});

test('URI rules: basenames, local paths, archive commands, cache names', (t) => {
  t.deepEqual(uriBasename('http://host/a/b.tgz?x=1'), { ok: true, value: 'b.tgz?x=1' });
  t.deepEqual(uriBasename('/a/b/'), { ok: true, value: 'b' });
  t.deepEqual(uriBasename('hdfs://nn/'), { ok: false, error: 'Malformed URI (missing path): hdfs://nn/' });
  t.deepEqual(uriToLocalPath('http://x/y', undefined), { ok: true, value: undefined });
  t.deepEqual(uriToLocalPath('rel/x', '/home'), { ok: true, value: '/home/rel/x' });
  t.is(extractCommand('/s/a.tbz2', '/d')?.display, "tar -C '/d' -xf '/s/a.tbz2'");
  t.is(extractCommand('/s/a.txt.gz', '/d')?.display, "gzip -dc > '/d/a.txt' < '/s/a.txt.gz'");
  t.is(extractCommand('/s/a.txt', '/d'), undefined);
  t.is(cacheFilename(7, 'http://h/averyveryverylongname.tar.gz'), 'c7-averyveryv_ame.tar.gz');
});

test('decoded CommandInfo messages work too (defaults are not presence)', async (t) => {
  const { work, dir, fetcher } = setup(t);
  writeFileSync(join(work, 'd.txt'), 'D');
  const bytes = mesos.CommandInfo.encode(
    mesos.CommandInfo.create({ value: 'true', uris: [{ value: join(work, 'd.txt') }] }),
  ).finish();
  const decoded = mesos.CommandInfo.decode(bytes);
  await fetcher.fetch('c1', decoded, dir, undefined, 'agent-1');
  t.is(readFileSync(join(dir, 'd.txt'), 'utf8'), 'D');
});
