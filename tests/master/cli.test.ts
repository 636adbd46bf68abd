import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { execa } from 'execa';

const BIN = fileURLToPath(new URL('../../bin/mesos-master.js', import.meta.url));
const env = { ...process.env, MESOS_TS_LOG_LEVEL: 'fatal' };

test('mesos-master --help prints usage and exits 0', async (t) => {
  const result = await execa(process.execPath, [BIN, '--help'], { env, reject: false });
  t.is(result.exitCode, 0);
  t.regex(result.stdout, /^Usage: mesos-master \[options\]/);
  t.regex(result.stdout, /--agent_ping_timeout=VALUE/);
});

test('an invalid flag value exits 1 naming the flag', async (t) => {
  const result = await execa(process.execPath, [BIN, '--port=70000'], { env, reject: false });
  t.is(result.exitCode, 1);
  t.regex(result.stderr, /Failed to load flag 'port'/);
  const unknown = await execa(process.execPath, [BIN, '--no_such_flag=1'], { env, reject: false });
  t.is(unknown.exitCode, 1);
  t.regex(unknown.stderr, /Failed to load unknown flag 'no_such_flag'/);
  const env2 = { ...env, MESOS_MAX_AGENT_PING_TIMEOUTS: 'many' };
  const fromEnv = await execa(process.execPath, [BIN, '--registry=in_memory'], { env: env2, reject: false });
  t.is(fromEnv.exitCode, 1);
  t.regex(fromEnv.stderr, /max_agent_ping_timeouts/);
  const noWorkDir = await execa(process.execPath, [BIN], { env, reject: false });
  t.is(noWorkDir.exitCode, 1);
  t.regex(noWorkDir.stderr, /--work_dir needed for replicated log based registry/);
});

test('mesos-master serves and stops on SIGTERM', async (t) => {
  const child = spawn(process.execPath, [BIN, '--ip=127.0.0.1', '--port=0', '--registry=in_memory', '--quiet'], { env });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/[^ ]+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  const metrics = (await (await fetch(`${url}/metrics/snapshot`)).json()) as Record<string, number>;
  t.is(metrics['master/elected'], 1);
  t.is(metrics['master/slaves_active'], 0);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  t.is(await exited, 0);
});
