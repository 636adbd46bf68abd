// Wire compatibility with an implementation this project did not write: the
// libprocess-speaking scheduler driver of mesos-go (api/v0, Debian's
// golang-github-mesos-mesos-go-dev 0.0.6) drives our mesos-master and
// mesos-agent, run as real OS processes on loopback. The Go program lives in
// tests/compat/go-scheduler/main.go; it is built here (GOPATH mode, offline,
// against Debian's packaged sources) and cached by source hash under
// node_modules/.cache/mesos-go-compat. See docs/compatibility.md.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_DIR = path.join(ROOT, 'tests/compat/go-scheduler');
const CACHE_DIR = path.join(ROOT, 'node_modules/.cache/mesos-go-compat');
const GOPATH = process.env.MESOS_GO_GOPATH ?? '/usr/share/gocode';
const MESOS_GO_DRIVER = path.join(GOPATH, 'src/github.com/mesos/mesos-go/api/v0/scheduler');
const MASTER_BIN = path.join(ROOT, 'bin/mesos-master.js');
const AGENT_BIN = path.join(ROOT, 'bin/mesos-agent.js');
const TASKS = 3;

/** GOPATH mode over Debian's packaged sources: no modules, no proxy, no cgo. */
const GO_ENV = {
  ...process.env,
  GO111MODULE: 'off',
  GOPATH,
  GOFLAGS: '',
  GOPROXY: 'off',
  GOTOOLCHAIN: 'local',
  CGO_ENABLED: '0',
  GOCACHE: path.join(CACHE_DIR, 'go-build'),
};

function goVersion(): string | undefined {
  const result = spawnSync('go', ['version'], { env: GO_ENV, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

const version = goVersion();
const skipReason =
  version === undefined
    ? '`go` is not installed (apt-get install golang-go golang-github-mesos-mesos-go-dev, or run .ci/system-deps as root)'
    : !fs.existsSync(MESOS_GO_DRIVER)
      ? `mesos-go sources are missing at ${MESOS_GO_DRIVER} (apt-get install golang-github-mesos-mesos-go-dev)`
      : undefined;

/** Builds the Go scheduler once per (source, toolchain, driver source) and returns the binary. */
async function buildScheduler(t: ExecutionContext): Promise<string> {
  const hash = crypto.createHash('sha256');
  hash.update(version ?? '');
  for (const file of fs.readdirSync(SOURCE_DIR).sort()) {
    if (file.endsWith('.go')) hash.update(file).update(fs.readFileSync(path.join(SOURCE_DIR, file)));
  }
  hash.update(fs.readFileSync(path.join(MESOS_GO_DRIVER, 'scheduler.go')));
  const binary = path.join(CACHE_DIR, `go-scheduler-${hash.digest('hex').slice(0, 16)}`);
  if (fs.existsSync(binary)) return binary;
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${binary}.${process.pid}.tmp`;
  const started = Date.now();
  const build = await execa('go', ['build', '-o', partial, '.'], { cwd: SOURCE_DIR, env: GO_ENV, reject: false, all: true });
  if (build.exitCode !== 0) throw new Error(`go build failed (exit ${build.exitCode}):\n${build.all}`);
  fs.renameSync(partial, binary);
  for (const stale of fs.readdirSync(CACHE_DIR)) {
    if (/^go-scheduler-[0-9a-f]{16}$/.test(stale) && path.join(CACHE_DIR, stale) !== binary) fs.rmSync(path.join(CACHE_DIR, stale), { force: true });
  }
  t.log(`built ${path.relative(ROOT, binary)} with ${version} in ${Date.now() - started} ms`);
  return binary;
}

interface Daemon {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts one of our daemons and resolves with it and the `IP:PORT` it prints once listening. */
async function startDaemon(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ daemon: Daemon; address: string }> {
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }) as unknown as ChildProcessWithoutNullStreams;
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const daemon = { child, output: () => out, exited };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const match = /listening on http:\/\/(\S+) /.exec(out);
    if (match?.[1] !== undefined) return { daemon, address: match[1] };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`${path.basename(bin)} did not start:\n${out}`);
}

async function stopDaemon(daemon: Daemon): Promise<void> {
  if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
  daemon.child.kill('SIGTERM');
  const code = await Promise.race([daemon.exited, sleep(10_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
  }
}

/** Pids of processes whose working directory lies under `dir` (executors run in their sandboxes). */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to look at
    }
  }
  return pids;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface StateTask {
  id: string;
  name: string;
  state: string;
  framework_id: string;
  slave_id: string;
  statuses: { state: string }[];
}
interface StateFramework {
  id: string;
  name: string;
  user: string;
  active: boolean;
  tasks: StateTask[];
  completed_tasks: StateTask[];
}
interface MasterState {
  slaves: { id: string; active: boolean }[];
  frameworks: StateFramework[];
  completed_frameworks: StateFramework[];
}

async function masterState(address: string): Promise<MasterState> {
  const response = await fetch(`http://${address}/master/state`);
  if (!response.ok) throw new Error(`/master/state answered ${response.status}`);
  return (await response.json()) as MasterState;
}

if (skipReason !== undefined) {
  test('mesos-go compatibility prerequisites', (t) => {
    t.log(`skipping the mesos-go wire compatibility test: ${skipReason}`);
    t.pass();
  });
}

(skipReason === undefined ? test.serial : test.skip)(
  `mesos-go 0.0.6 scheduler driver registers, launches ${TASKS} command tasks, sees them finish and reconciles on our master and agent`,
  async (t) => {
    t.timeout(180_000); // a cold `go build` on a loaded 2-core machine; the run itself takes ~5 s
    const binary = await buildScheduler(t);

    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-go-compat-'));
    const daemons: Daemon[] = [];
    let dumped = false;
    const dump = (): void => {
      if (dumped) return;
      dumped = true;
      for (const [i, d] of daemons.entries()) t.log(`--- ${i === 0 ? 'master' : 'agent'} output ---\n${d.output().slice(-6000)}`);
    };
    t.teardown(async () => {
      for (const d of [...daemons].reverse()) await stopDaemon(d);
      // Executors exit by themselves once their task finished and the framework went away.
      const left = await until('executors to exit', 10_000, async () => {
        const pids = processesUnder(workDir);
        return pids.length === 0 ? [] : undefined;
      }).catch(() => processesUnder(workDir));
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      fs.rmSync(workDir, { recursive: true, force: true });
      if (left.length > 0) throw new Error(`processes left running in ${workDir}: ${left.join(', ')}`);
    });

    const daemonEnv = { ...process.env, LIBPROCESS_IP: '127.0.0.1', MESOS_TS_LOG_LEVEL: process.env.MESOS_TS_LOG_LEVEL ?? 'info' };
    const master = await startDaemon(MASTER_BIN, ['--ip=127.0.0.1', '--port=0', '--registry=in_memory'], daemonEnv);
    daemons.push(master.daemon);
    const agent = await startDaemon(
      AGENT_BIN,
      [
        '--ip=127.0.0.1',
        '--port=0',
        `--master=${master.address}`,
        `--work_dir=${workDir}`,
        '--resources=cpus:2;mem:1024;disk:1024;ports:[31000-32000]',
        '--registration_backoff_factor=10ms',
      ],
      daemonEnv,
    );
    daemons.push(agent.daemon);
    await until('the agent to register', 15_000, async () => {
      const state = await masterState(master.address);
      return state.slaves.some((s) => s.active) ? true : undefined;
    });

    const run = await execa(binary, [`-master=${master.address}`, `-tasks=${TASKS}`, '-reconcile', '-timeout=45s', '-logtostderr', '-v=1'], {
      reject: false,
      timeout: 55_000,
      env: { ...process.env, LIBPROCESS_IP: '127.0.0.1' },
    });
    t.log(`go-scheduler (exit ${run.exitCode}):\n${run.stdout}`);
    if (run.exitCode !== 0) {
      t.log(`go-scheduler stderr:\n${run.stderr.slice(-8000)}`);
      dump();
    }
    t.is(run.exitCode, 0);

    const frameworkId = /registered framework_id=(\S+)/.exec(run.stdout)?.[1];
    t.truthy(frameworkId, 'the driver reported its framework id');
    for (let i = 0; i < TASKS; i++) t.regex(run.stdout, new RegExp(`status task=go-task-${i} state=TASK_FINISHED source=SOURCE_EXECUTOR`));
    // Explicit reconciliation of a task the master never saw: TASK_LOST from the master.
    t.regex(run.stdout, /status task=go-task-never-launched state=TASK_LOST source=SOURCE_MASTER reason=REASON_RECONCILIATION/);

    // The driver unregistered (Stop(false)), so the framework is completed, with its tasks finished.
    const framework = await until('the framework to be completed', 10_000, async () => {
      const state = await masterState(master.address);
      return state.completed_frameworks.find((f) => f.id === frameworkId);
    }).catch((error: unknown) => {
      dump();
      throw error;
    });
    t.is(framework.name, 'legacy-go-acceptance');
    t.is(framework.user, os.userInfo().username);
    t.false(framework.active);
    t.deepEqual(framework.tasks, []);
    const completed = [...framework.completed_tasks].sort((a, b) => a.id.localeCompare(b.id));
    t.deepEqual(
      completed.map((task) => [task.id, task.state]),
      Array.from({ length: TASKS }, (_, i) => [`go-task-${i}`, 'TASK_FINISHED']),
    );
    for (const task of completed) t.deepEqual(task.statuses.map((s) => s.state), ['TASK_RUNNING', 'TASK_FINISHED']);
    const state = await masterState(master.address);
    t.false(state.frameworks.some((f) => f.id === frameworkId), 'no longer among the active frameworks');
  },
);
