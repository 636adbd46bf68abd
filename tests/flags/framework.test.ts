import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineFlags, flag, parseFlags, resolveCli, stringifyFlags, types, usage } from '../../common/flags.js';
import { mesos } from '../../proto/index.js';

const schema = defineFlags(
  'mesos-test',
  {
    port: flag(types.uint16, { help: 'Port.', default: '5050' }),
    quiet: flag(types.bool, { help: 'Quiet.', default: 'false' }),
    lookup: flag(types.bool, { help: 'Lookup.', default: 'true' }),
    name: flag(types.string, { help: 'A name.' }),
    work_dir: flag(types.string, { help: 'Work dir.', required: true }),
    timeout: flag(types.duration, {
      help: 'Timeout.',
      alias: 'old_timeout',
      default: '15secs',
      validate: (v) => (v < 1000 ? 'Expected `--timeout` to be at least 1secs' : undefined),
    }),
    size: flag(types.bytes, { help: 'Size.', default: '2GB' }),
    env: flag(types.jsonObject, { help: 'JSON.' }),
    acls: flag(types.proto(mesos.ACLs, 'mesos.ACLs'), { help: 'ACLs.' }),
    creds: flag(types.path, { help: 'A path.' }),
    version: flag(types.bool, { help: 'Version.', default: 'false' }),
  },
  {
    check: (f) => (f.name === 'bad' ? { message: 'Name is bad', usage: true } : undefined),
  },
);

const base = ['--work_dir=/w'];

function ok(argv: string[], env: Record<string, string> = {}) {
  const r = parseFlags(schema, argv, env);
  if (!r.ok) throw new Error(r.error);
  return r;
}

function err(argv: string[], env: Record<string, string> = {}): string {
  const r = parseFlags(schema, argv, env);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

test('defaults, typed values and --name=value', (t) => {
  const r = ok([...base, '--port=6000', '--timeout=1mins', '--size=512MB']);
  t.is(r.flags.port, 6000);
  t.is(r.flags.timeout, 60_000);
  t.is(r.flags.size, 512 * 1024 * 1024);
  t.is(r.flags.quiet, false);
  t.is(r.flags.lookup, true);
  t.is(r.flags.name, undefined);
  t.is(r.flags.work_dir, '/w');
  t.is(r.flags.help, false);
  t.deepEqual(r.warnings, []);
});

test('booleans: --x, --no-x, --x=true|false|1|0, --x=', (t) => {
  t.true(ok([...base, '--quiet']).flags.quiet);
  t.false(ok([...base, '--no-lookup']).flags.lookup);
  t.true(ok([...base, '--quiet=true']).flags.quiet);
  t.true(ok([...base, '--quiet=1']).flags.quiet);
  t.false(ok([...base, '--lookup=false']).flags.lookup);
  t.false(ok([...base, '--lookup=0']).flags.lookup);
  t.true(ok([...base, '--quiet=']).flags.quiet);
  t.false(ok([...base, '--no-lookup=']).flags.lookup);
  t.is(err([...base, '--no-lookup=true']), "Failed to load boolean flag 'lookup' via 'no-lookup' with value 'true'");
  t.is(
    err([...base, '--quiet=yes']),
    "Failed to load flag 'quiet': Failed to load value 'yes': Expecting a boolean (e.g., true or false)",
  );
});

test('non-boolean flags: missing value, --no- prefix; `--name value` is not a pair', (t) => {
  t.is(err([...base, '--port']), "Failed to load non-boolean flag 'port': Missing value");
  t.is(err([...base, '--port', '6000']), "Failed to load non-boolean flag 'port': Missing value");
  t.is(err([...base, '--no-port']), "Failed to load non-boolean flag 'port' via 'no-port'");
});

test('unknown and duplicate flags are errors', (t) => {
  t.is(err([...base, '--bogus=1']), "Failed to load unknown flag 'bogus'");
  t.is(err([...base, '--no-bogus']), "Failed to load unknown flag 'bogus' via 'no-bogus'");
  t.is(err([...base, '--port=1', '--port=2']), "Flag 'port' is already loaded via name 'port'");
  t.is(err([...base, '--timeout=2secs', '--old_timeout=3secs']), "Flag 'timeout' is already loaded via name 'old_timeout'");
});

test('arguments: trimmed, lower-cased names, non-flags skipped, stop at --', (t) => {
  const r = ok(['  --work_dir=/w  ', 'positional', '--PORT=7', '--', '--bogus']);
  t.is(r.flags.port, 7);
  t.is(r.flags.work_dir, '/w');
});

test('bad values name the flag and the value', (t) => {
  t.is(
    err([...base, '--port=70000']),
    "Failed to load flag 'port': Failed to load value '70000': Failed to convert into required type" +
      ' (expected uint16: an integer in [0, 65535])',
  );
  t.regex(err([...base, '--port=-1']), /^Failed to load flag 'port': Failed to load value '-1'/);
  t.is(
    err([...base, '--timeout=5']),
    "Failed to load flag 'timeout': Failed to load value '5': Invalid duration '5'",
  );
  t.is(
    err([...base, '--size=1.5GB']),
    "Failed to load flag 'size': Failed to load value '1.5GB': Fractional bytes '1.5GB'",
  );
  t.regex(err([...base, '--size=12XB']), /^Failed to load flag 'size': Failed to load value '12XB': Unknown bytes unit 'XB'$/);
  t.regex(err([...base, '--acls={"permissive": "x"}']), /^Failed to load flag 'acls': Failed to load value '.*': .*permissive/);
});

test('validators run on loaded values', (t) => {
  t.is(err([...base, '--timeout=10ms']), 'Expected `--timeout` to be at least 1secs');
});

test('required flags', (t) => {
  t.is(err([]), "Flag 'work_dir' is required, but it was not provided");
  t.is(ok([], { MESOS_WORK_DIR: '/env' }).flags.work_dir, '/env');
});

test('environment: MESOS_NAME and MESOS_name; unknown MESOS_ variables ignored', (t) => {
  const r = ok(base, { MESOS_PORT: '6001', MESOS_quiet: 'true', MESOS_BOGUS: 'x', MESOS_NATIVE_LIBRARY: '/lib', PORT: '1' });
  t.is(r.flags.port, 6001);
  t.true(r.flags.quiet);
  t.is(ok(base, { MESOS_QUIET: '' }).flags.quiet, true);
  t.is(err(base, { MESOS_PORT: 'x' }).startsWith("Failed to load flag 'port'"), true);
});

test('the command line wins over the environment', (t) => {
  const r = ok([...base, '--port=7000', '--no-quiet'], { MESOS_PORT: '6001', MESOS_WORK_DIR: '/env' });
  t.is(r.flags.port, 7000);
  t.is(r.flags.work_dir, '/w');
  // A different spelling of the same flag is a second load, as in Mesos.
  t.is(
    err([...base, '--old_timeout=2secs'], { MESOS_TIMEOUT: '3secs' }),
    "Flag 'timeout' is already loaded via name 'old_timeout'",
  );
});

test('deprecated aliases load the flag and warn', (t) => {
  const r = ok([...base, '--old_timeout=2mins']);
  t.is(r.flags.timeout, 120_000);
  t.deepEqual(r.warnings, ["Loaded deprecated flag 'old_timeout'"]);
  t.is(r.loadedNames['timeout'], 'old_timeout');
  t.is(ok(base, { MESOS_OLD_TIMEOUT: '3secs' }).flags.timeout, 3000);
  t.deepEqual(stringifyFlags(schema, r.flags, r.loadedNames)['old_timeout'], '2mins');
});

test('file:// values are read from the file (not for path flags)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flags-'));
  const nameFile = join(dir, 'name');
  writeFileSync(nameFile, 'from-file');
  const jsonFile = join(dir, 'env.json');
  writeFileSync(jsonFile, '{"PATH": "/bin"}');
  const aclsFile = join(dir, 'acls.json');
  writeFileSync(aclsFile, '{"permissive": false}');
  const r = ok([...base, `--name=file://${nameFile}`, `--env=file://${jsonFile}`, `--acls=file://${aclsFile}`, `--creds=file://${nameFile}`]);
  t.is(r.flags.name, 'from-file');
  t.deepEqual(r.flags.env, { PATH: '/bin' });
  t.is(r.flags.acls?.permissive, false);
  t.is(r.flags.creds, `file://${nameFile}`);
  t.deepEqual(r.warnings, []);

  // A bare absolute path works for JSON flags, with a deprecation warning.
  const abs = ok([...base, `--env=${jsonFile}`]);
  t.deepEqual(abs.flags.env, { PATH: '/bin' });
  t.is(abs.warnings.length, 1);
  // ...but not for string flags.
  t.is(ok([...base, `--name=${nameFile}`]).flags.name, nameFile);

  // From the environment too.
  t.is(ok(base, { MESOS_NAME: `file://${nameFile}` }).flags.name, 'from-file');

  const missing = join(dir, 'missing');
  t.is(
    err([...base, `--name=file://${missing}`]),
    `Failed to load flag 'name': Failed to load value 'file://${missing}': ` +
      `Error reading file '${missing}': Failed to open file: No such file or directory`,
  );
});

test('file reads go through the injected reader', (t) => {
  const r = parseFlags(schema, [...base, '--name=file:///x'], {}, { readFile: (p) => `read ${p}` });
  t.true(r.ok);
  if (r.ok) t.is(r.flags.name, 'read /x');
});

test('--help: reported, skips required checks, but load errors still win', (t) => {
  const r = parseFlags(schema, ['--help'], {});
  t.true(r.ok);
  if (r.ok) t.true(r.help);
  t.is(err(['--help', '--bogus']), "Failed to load unknown flag 'bogus'");
});

test('usage lists every flag in stout layout', (t) => {
  const text = usage(schema, 'Some error');
  t.true(text.startsWith('Some error\n\nUsage: mesos-test [options]\n\n'));
  for (const name of schema.names) t.true(text.includes(`--${name}`) || text.includes(`--[no-]${name}`), name);
  t.regex(text, /\n {2}--\[no-\]help {5,}\S/);
  t.regex(text, /\n {2}--timeout=VALUE, --old_timeout=VALUE {5}Timeout\. \(default: 15secs\)\n/);
  t.regex(text, /--size=VALUE +Size\. \(default: 2GB\)/);
  t.regex(text, /--name=VALUE +A name\.\n/);
  // Names are sorted in byte order.
  const order = [...text.matchAll(/^ {2}--(?:\[no-\])?([a-z_]+)/gm)].map((m) => m[1]);
  t.deepEqual(order, [...schema.names]);
});

test('resolveCli: errors exit 1 with usage; help/version exit 0; checks run after', (t) => {
  const bad = resolveCli(schema, ['--bogus'], {});
  t.deepEqual(bad.action, 'exit');
  if (bad.action === 'exit') {
    t.is(bad.code, 1);
    t.true(bad.stderr?.startsWith("Failed to load unknown flag 'bogus'\n\nUsage: mesos-test [options]"));
  }
  const help = resolveCli(schema, ['--help'], {});
  t.true(help.action === 'exit' && help.code === 0 && (help.stdout ?? '').startsWith('Usage: mesos-test'));
  const version = resolveCli(schema, ['--version', '--work_dir=/w'], {}, { versionText: 'mesos 1.0.0' });
  t.deepEqual(version, { action: 'exit', code: 0, stdout: 'mesos 1.0.0\n' });
  const checked = resolveCli(schema, [...base, '--name=bad'], {});
  t.true(checked.action === 'exit' && checked.code === 1 && (checked.stderr ?? '').startsWith('Name is bad\n\nUsage:'));
  const run = resolveCli(schema, base, {});
  t.is(run.action, 'run');
});

test('schema definition mistakes are refused', (t) => {
  t.throws(() => defineFlags('x', { 'no-x': flag(types.bool, { help: '', default: 'false' }) }), { message: /reserved 'no-'/ });
  t.throws(() => defineFlags('x', { a: flag(types.string, { help: '', alias: 'a' }) }), { message: /same as the flag name/ });
  t.throws(
    () => defineFlags('x', { a: flag(types.string, { help: '', alias: 'b' }), b: flag(types.string, { help: '' }) }),
    { message: /duplicate flag 'b'/ },
  );
  t.throws(() => flag(types.duration, { help: '', default: '5' }), { message: /Invalid default/ });
});

test('stringifyFlags prints set values as stout does and omits unset ones', (t) => {
  const r = ok([...base, '--timeout=90secs']);
  const out = stringifyFlags(schema, r.flags, r.loadedNames);
  t.is(out['timeout'], '90secs');
  t.is(out['size'], '2GB');
  t.is(out['quiet'], 'false');
  t.false('name' in out);
});
