import test from 'ava';
import { Clock, UPID, type Request, type Response } from '../../libprocess/index.js';
import type { RouteHandler } from '../../libprocess/process.js';
import { mesos } from '../../proto/index.js';
import { Executor, Framework, type AgentView } from '../../agent/model.js';
import { installAgentRoutes, type AgentRouteDeps } from '../../agent/http/routes.js';
import { RateLimiter } from '../../agent/http/monitor.js';
import { renderAgentState, taskInfoJson } from '../../agent/http/state.js';
import type { BuildInfo } from '../../master/http/version.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

const BUILD: BuildInfo = { date: '2016-07-27 10:00:00', time: 1469613600, user: 'builder', gitSha: 'abc123', gitTag: '1.0.0' };
const AGENT_ID = '20160727-1-S0';
const PID = 'slave(1)@10.0.0.2:5051';
const FLAGS = { work_dir: '/var/lib/mesos', port: '5051', log_dir: '/var/log/mesos', gc_delay: '1weeks' };

function resource(name: string, value: number): mesos.Resource.$Properties {
  return { name, type: mesos.Value.Type.SCALAR, scalar: { value }, role: '*' };
}

function ports(begin: number, end: number): mesos.Resource.$Properties {
  return { name: 'ports', type: mesos.Value.Type.RANGES, ranges: { range: [{ begin, end }] }, role: '*' };
}

function taskInfo(id: string, executorId?: string): mesos.TaskInfo.$Properties {
  const task: mesos.TaskInfo.$Properties = {
    name: `task ${id}`,
    task_id: { value: id },
    slave_id: { value: AGENT_ID },
    resources: [resource('cpus', 0.5), resource('mem', 32)],
  };
  if (executorId !== undefined) task.executor = { executor_id: { value: executorId }, command: { value: 'exec' } };
  else task.command = { value: 'sleep 100', shell: true };
  return task;
}

function executorInfo(frameworkId: string, id: string, extra: Partial<mesos.ExecutorInfo.$Properties> = {}): mesos.ExecutorInfo.$Properties {
  return {
    executor_id: { value: id },
    framework_id: { value: frameworkId },
    command: { value: 'exec' },
    name: `executor ${id}`,
    source: `source-${id}`,
    resources: [resource('cpus', 0.1), resource('mem', 32)],
    ...extra,
  };
}

function status(id: string, state: mesos.TaskState, timestamp: number): mesos.TaskStatus.$Properties {
  return { task_id: { value: id }, state, timestamp };
}

/** An agent with one framework (a running executor with tasks in each list, a completed executor) and a completed framework. */
function buildView(overrides: Partial<AgentView> = {}): AgentView {
  const framework = new Framework(
    {
      id: { value: 'fw-1' },
      name: 'marathon',
      user: 'root',
      failover_timeout: 604800,
      checkpoint: true,
      role: 'web',
      hostname: 'sched.example',
      principal: 'marathon-principal',
    },
    UPID.parse('scheduler-1@10.0.0.9:40000'),
  );
  const executor = new Executor(
    'fw-1',
    executorInfo('fw-1', 'ex-1', { labels: { labels: [{ key: 'team', value: 'a' }] } }),
    'cont-1',
    '/var/lib/mesos/slaves/S0/frameworks/fw-1/executors/ex-1/runs/cont-1',
    true,
    false,
  );
  executor.state = 'RUNNING';
  executor.addTask(taskInfo('t-running', 'ex-1'));
  executor.updateTaskState(status('t-running', mesos.TaskState.TASK_RUNNING, 1469613700.5));
  executor.addTask(taskInfo('t-done', 'ex-1'));
  executor.updateTaskState(status('t-done', mesos.TaskState.TASK_FINISHED, 1469613800));
  executor.completeTask('t-done');
  executor.addTask(taskInfo('t-failed', 'ex-1'));
  executor.updateTaskState(status('t-failed', mesos.TaskState.TASK_FAILED, 1469613900));
  executor.queuedTasks.set('t-queued', taskInfo('t-queued', 'ex-1'));
  framework.executors.set('ex-1', executor);

  const terminated = new Executor('fw-1', executorInfo('fw-1', 'ex-gone'), 'cont-0', '/sandbox/ex-gone', true, false);
  terminated.state = 'TERMINATED';
  framework.completedExecutors.push(terminated);

  const old = new Framework({ id: { value: 'fw-0' }, name: 'old', user: 'nobody' }, undefined);

  return {
    info: {
      id: { value: AGENT_ID },
      hostname: 'agent.example',
      port: 5051,
      resources: [resource('cpus', 4), resource('mem', 15360), resource('disk', 97280), ports(31000, 32000)],
      attributes: [{ name: 'rack', type: mesos.Value.Type.TEXT, text: { value: 'r1' } }],
    },
    state: 'RUNNING',
    masterPid: UPID.parse('master@10.0.0.1:5050'),
    startTime: 1469613650.25,
    frameworks: new Map([['fw-1', framework]]),
    completedFrameworks: [old],
    flags: () => ({ ...FLAGS }),
    ...overrides,
  };
}

interface Routes {
  handlers: Map<string, RouteHandler>;
  call(path: string, query?: string): Promise<Response>;
  json(path: string, query?: string): Promise<unknown>;
}

function request(path: string, query = ''): Request {
  return {
    method: 'GET',
    path,
    url: query === '' ? path : `${path}?${query}`,
    query: new URLSearchParams(query),
    headers: new Map(),
    body: Buffer.alloc(0),
    keepAlive: true,
  };
}

function routes(view: () => AgentView, deps: Partial<AgentRouteDeps> = {}): Routes {
  const handlers = new Map<string, RouteHandler>();
  installAgentRoutes((path, handler) => handlers.set(path, handler), view, {
    pid: () => PID,
    containerizer: {
      usage: () => Promise.reject(new Error('no usage')),
      status: () => Promise.reject(new Error('no status')),
    },
    build: BUILD,
    hostnameOf: (ip) => Promise.resolve(ip === '10.0.0.1' ? 'master.example' : undefined),
    ...deps,
  });
  const call = async (path: string, query = ''): Promise<Response> => {
    const handler = handlers.get(path);
    if (handler === undefined) throw new Error(`no route ${path}`);
    return handler(request(path, query));
  };
  return {
    handlers,
    call,
    json: async (path, query) => {
      const response = await call(path, query);
      return JSON.parse(String(response.body)) as unknown;
    },
  };
}

test('routes: the paths Mesos 1.0 registers on the agent', (t) => {
  const r = routes(() => buildView());
  t.deepEqual(
    [...r.handlers.keys()],
    ['/state', '/state.json', '/flags', '/health', '/monitor/statistics', '/monitor/statistics.json', '/containers'],
  );
});

test('/state: top-level fields in Mesos order', async (t) => {
  const r = routes(() => buildView());
  const response = await r.call('/state');
  t.is(response.status, 200);
  t.is(response.headers?.['Content-Type'], 'application/json');
  const state = JSON.parse(String(response.body)) as Record<string, unknown>;
  t.deepEqual(Object.keys(state), [
    'version',
    'git_sha',
    'git_tag',
    'build_date',
    'build_time',
    'build_user',
    'start_time',
    'id',
    'pid',
    'hostname',
    'resources',
    'attributes',
    'master_hostname',
    'log_dir',
    'flags',
    'frameworks',
    'completed_frameworks',
  ]);
  t.like(state, {
    version: '1.0.0',
    git_sha: 'abc123',
    git_tag: '1.0.0',
    build_date: '2016-07-27 10:00:00',
    build_time: 1469613600,
    build_user: 'builder',
    start_time: 1469613650.25,
    id: AGENT_ID,
    pid: PID,
    hostname: 'agent.example',
    master_hostname: 'master.example',
    log_dir: '/var/log/mesos',
  });
  t.deepEqual(state['resources'], { cpus: 4, gpus: 0, mem: 15360, disk: 97280, ports: '[31000-32000]' });
  t.deepEqual(state['attributes'], { rack: 'r1' });
  t.deepEqual(Object.keys(state['flags'] as object), ['gc_delay', 'log_dir', 'port', 'work_dir'], 'flags sorted by name');
  const raw = String(response.body);
  t.true(raw.includes('"build_time":1469613600.0,'), 'doubles as stout prints them');
  t.true(raw.includes('"start_time":1469613650.25,'));
});

test('/state: frameworks, executors and tasks in Mesos shapes', async (t) => {
  const state = (await routes(() => buildView()).json('/state.json')) as {
    frameworks: Array<Record<string, unknown>>;
    completed_frameworks: Array<Record<string, unknown>>;
  };
  const [framework] = state.frameworks;
  t.deepEqual(Object.keys(framework ?? {}), [
    'id',
    'name',
    'user',
    'failover_timeout',
    'checkpoint',
    'role',
    'hostname',
    'executors',
    'completed_executors',
  ]);
  t.like(framework, {
    id: 'fw-1',
    name: 'marathon',
    user: 'root',
    failover_timeout: 604800,
    checkpoint: true,
    role: 'web',
    hostname: 'sched.example',
  });
  const executors = framework?.['executors'] as Array<Record<string, unknown>>;
  const [executor] = executors;
  t.deepEqual(Object.keys(executor ?? {}), [
    'id',
    'name',
    'source',
    'container',
    'directory',
    'resources',
    'labels',
    'tasks',
    'queued_tasks',
    'completed_tasks',
  ]);
  t.like(executor, {
    id: 'ex-1',
    name: 'executor ex-1',
    source: 'source-ex-1',
    container: 'cont-1',
    directory: '/var/lib/mesos/slaves/S0/frameworks/fw-1/executors/ex-1/runs/cont-1',
  });
  t.deepEqual(executor?.['labels'], [{ key: 'team', value: 'a' }]);
  // Executor resources plus the running task's.
  t.deepEqual(executor?.['resources'], { cpus: 0.6, gpus: 0, mem: 64, disk: 0 });

  const tasks = executor?.['tasks'] as Array<Record<string, unknown>>;
  t.deepEqual(tasks.map((task) => task['id']), ['t-running']);
  t.deepEqual(Object.keys(tasks[0] ?? {}), ['id', 'name', 'framework_id', 'executor_id', 'slave_id', 'state', 'resources', 'statuses']);
  t.like(tasks[0], { framework_id: 'fw-1', executor_id: 'ex-1', slave_id: AGENT_ID, state: 'TASK_RUNNING' });
  t.deepEqual(tasks[0]?.['statuses'], [{ state: 'TASK_RUNNING', timestamp: 1469613700.5 }]);

  const queued = executor?.['queued_tasks'] as Array<Record<string, unknown>>;
  t.deepEqual(queued, [
    {
      id: 't-queued',
      name: 'task t-queued',
      slave_id: AGENT_ID,
      resources: { cpus: 0.5, gpus: 0, mem: 32, disk: 0 },
      executor_id: 'ex-1',
    },
  ]);

  const completed = executor?.['completed_tasks'] as Array<Record<string, unknown>>;
  t.deepEqual(
    completed.map((task) => [task['id'], task['state']]),
    [
      ['t-done', 'TASK_FINISHED'],
      ['t-failed', 'TASK_FAILED'],
    ],
    'completed tasks, then terminated ones still awaiting acknowledgement',
  );

  const completedExecutors = framework?.['completed_executors'] as Array<Record<string, unknown>>;
  t.deepEqual(completedExecutors.map((e) => e['id']), ['ex-gone']);
  t.false('labels' in (completedExecutors[0] ?? {}), 'labels only when set');

  t.deepEqual(state.completed_frameworks, [
    {
      id: 'fw-0',
      name: 'old',
      user: 'nobody',
      failover_timeout: 0,
      checkpoint: false,
      role: '*',
      hostname: '',
      executors: [],
      completed_executors: [],
    },
  ]);
});

test('queued command tasks show their command; discovery as a protobuf', (t) => {
  const task = taskInfo('t-cmd');
  task.discovery = { visibility: mesos.DiscoveryInfo.Visibility.EXTERNAL, name: 'svc' };
  const json = JSON.parse(taskInfoJson(task)) as Record<string, unknown>;
  t.deepEqual(Object.keys(json), ['id', 'name', 'slave_id', 'resources', 'command', 'discovery']);
  t.deepEqual(json['command'], { shell: true, value: 'sleep 100', argv: [], uris: [] });
  t.deepEqual(json['discovery'], { visibility: 'EXTERNAL', name: 'svc' });
});

test('/state without a master, without an id, with external_log_file, and with jsonp', async (t) => {
  const view = buildView({
    masterPid: undefined,
    info: { hostname: 'agent.example', resources: [] },
    flags: () => ({ external_log_file: '/var/log/agent.log' }),
    frameworks: new Map(),
    completedFrameworks: [],
  });
  const state = (await routes(() => view).json('/state')) as Record<string, unknown>;
  t.false('master_hostname' in state);
  t.false('log_dir' in state);
  t.is(state['external_log_file'], '/var/log/agent.log');
  t.is(state['id'], '');
  t.deepEqual(state['resources'], { cpus: 0, gpus: 0, mem: 0, disk: 0 });
  t.deepEqual(state['attributes'], {});
  t.deepEqual(state['frameworks'], []);

  const jsonp = await routes(() => view).call('/state', 'jsonp=cb');
  t.is(jsonp.headers?.['Content-Type'], 'text/javascript');
  t.regex(String(jsonp.body), /^cb\(\{"version":"1\.0\.0".*\}\);$/);
});

test('/state leaves master_hostname out when the lookup finds no name, and caches lookups', async (t) => {
  let lookups = 0;
  const view = buildView({ masterPid: UPID.parse('master@10.9.9.9:5050') });
  const r = routes(() => view, {
    hostnameOf: () => {
      lookups++;
      return Promise.resolve(undefined);
    },
  });
  t.false('master_hostname' in ((await r.json('/state')) as object));
  await r.json('/state');
  t.is(lookups, 1);
});

test('/state continues inside the agent process after a lookup', async (t) => {
  const calls: string[] = [];
  const r = routes(() => buildView(), {
    inside: (fn) => {
      calls.push('inside');
      return Promise.resolve(fn());
    },
  });
  await r.call('/state');
  t.deepEqual(calls, ['inside']);
  await r.call('/state');
  t.deepEqual(calls, ['inside'], 'a known name renders at once');
});

test('/state answers 503 while recovering', async (t) => {
  const response = await routes(() => buildView({ state: 'RECOVERING' })).call('/state');
  t.is(response.status, 503);
  t.is(response.body, 'Agent has not finished recovery');
});

test('renderAgentState is a pure function of the view', (t) => {
  const view = buildView();
  const facts = { version: '1.0.0', build: BUILD, pid: PID, masterHostname: 'm' };
  t.is(renderAgentState(view, facts), renderAgentState(view, facts));
  JSON.parse(renderAgentState(view, facts));
  t.pass();
});

test('/flags and /health', async (t) => {
  const r = routes(() => buildView());
  const flags = await r.call('/flags');
  t.is(flags.body, '{"flags":{"gc_delay":"1weeks","log_dir":"\\/var\\/log\\/mesos","port":"5051","work_dir":"\\/var\\/lib\\/mesos"}}');
  t.deepEqual(await r.json('/flags'), { flags: FLAGS });
  const health = await r.call('/health');
  t.is(health.status, 200);
  t.is(health.body, '');
});

function stats(timestamp: number, cpus: number): mesos.ResourceStatistics {
  return mesos.ResourceStatistics.create({
    timestamp,
    cpus_limit: cpus,
    cpus_user_time_secs: 1.5,
    cpus_system_time_secs: 0.25,
    mem_limit_bytes: 64 * 1024 * 1024,
    mem_rss_bytes: 1024,
  });
}

/** A view with three executors: two running (one of another framework), one TERMINATED. */
function monitorView(): AgentView {
  const view = buildView();
  const fw1 = view.frameworks.get('fw-1') as Framework;
  const dead = new Executor('fw-1', executorInfo('fw-1', 'ex-dead'), 'cont-dead', '/sandbox/dead', false, false);
  dead.state = 'TERMINATED';
  fw1.executors.set('ex-dead', dead);
  const fw2 = new Framework({ id: { value: 'fw-2' }, name: 'other', user: 'u' }, undefined);
  const registering = new Executor('fw-2', executorInfo('fw-2', 'ex-2', { source: undefined }), 'cont-2', '/sandbox/2', false, true);
  fw2.executors.set('ex-2', registering);
  const frameworks = new Map(view.frameworks);
  frameworks.set('fw-2', fw2);
  return { ...view, frameworks };
}

test('/monitor/statistics: one sorted-key entry per executor whose usage is known', async (t) => {
  const asked: string[] = [];
  const clock = new Clock();
  clock.pause();
  const r = routes(() => monitorView(), {
    clock,
    containerizer: {
      usage: (id) => {
        asked.push(String(id));
        return id === 'cont-1' ? Promise.resolve(stats(1469613999.5, 1.1)) : Promise.reject(new Error('gone'));
      },
      status: () => Promise.reject(new Error('unused')),
    },
  });
  const response = await r.call('/monitor/statistics');
  t.deepEqual(asked, ['cont-1', 'cont-2'], 'TERMINATED executors are not asked');
  const entries = JSON.parse(String(response.body)) as Array<Record<string, unknown>>;
  t.is(entries.length, 1);
  t.deepEqual(Object.keys(entries[0] ?? {}), ['executor_id', 'executor_name', 'framework_id', 'source', 'statistics']);
  t.like(entries[0], { executor_id: 'ex-1', executor_name: 'executor ex-1', framework_id: 'fw-1', source: 'source-ex-1' });
  const statistics = entries[0]?.['statistics'] as Record<string, unknown>;
  t.deepEqual(Object.keys(statistics), [
    'cpus_limit',
    'cpus_system_time_secs',
    'cpus_user_time_secs',
    'mem_limit_bytes',
    'mem_rss_bytes',
    'timestamp',
  ]);
  t.deepEqual(statistics, {
    cpus_limit: 1.1,
    cpus_system_time_secs: 0.25,
    cpus_user_time_secs: 1.5,
    mem_limit_bytes: 64 * 1024 * 1024,
    mem_rss_bytes: 1024,
    timestamp: 1469613999.5,
  });
  const again = r.json('/monitor/statistics.json', 'x=1');
  clock.advance(500);
  t.deepEqual(await again, entries);
});

test('/monitor/statistics with both executors answering, empty source, and jsonp', async (t) => {
  const clock = new Clock();
  clock.pause();
  const r = routes(() => monitorView(), {
    clock,
    containerizer: { usage: () => Promise.resolve(stats(1, 1)), status: () => Promise.reject(new Error('unused')) },
  });
  const entries = (await r.json('/monitor/statistics')) as Array<Record<string, unknown>>;
  t.deepEqual(
    entries.map((e) => [e['framework_id'], e['executor_id'], e['source']]),
    [
      ['fw-1', 'ex-1', 'source-ex-1'],
      ['fw-2', 'ex-2', ''],
    ],
  );
  const pending = r.call('/monitor/statistics', 'jsonp=f');
  clock.advance(500);
  const jsonp = await pending;
  t.regex(String(jsonp.body), /^f\(\[.*\]\);$/);
});

test('/containers: metadata for every running executor, statistics and status when known', async (t) => {
  const r = routes(() => monitorView(), {
    containerizer: {
      usage: (id) => (id === 'cont-2' ? Promise.resolve(stats(2, 0.5)) : Promise.reject(new Error('x'))),
      status: (id) =>
        id === 'cont-1'
          ? Promise.resolve(mesos.ContainerStatus.create({ network_infos: [{ ip_addresses: [{ ip_address: '10.0.0.2' }] }] }))
          : Promise.reject(new Error('x')),
    },
  });
  const entries = (await r.json('/containers')) as Array<Record<string, unknown>>;
  t.is(entries.length, 2);
  t.deepEqual(Object.keys(entries[0] ?? {}), ['container_id', 'executor_id', 'executor_name', 'framework_id', 'source', 'status']);
  t.deepEqual(entries[0]?.['status'], { network_infos: [{ ip_addresses: [{ ip_address: '10.0.0.2' }] }] });
  t.deepEqual(Object.keys(entries[1] ?? {}), ['container_id', 'executor_id', 'executor_name', 'framework_id', 'source', 'statistics']);
  t.like(entries[1], { container_id: 'cont-2', executor_id: 'ex-2', framework_id: 'fw-2' });
});

test('RateLimiter: 2 permits a second, spaced evenly, waiters served in order', async (t) => {
  const clock = new Clock();
  clock.pause();
  const limiter = new RateLimiter(2, 1000, clock);
  const served: number[] = [];
  const track = (n: number): Promise<void> => limiter.acquire().then(() => void served.push(n));
  const first = track(1);
  await first;
  t.deepEqual(served, [1], 'the first is served at once');
  const rest = [track(2), track(3), track(4)];
  await Promise.resolve();
  t.is(limiter.queued, 3);
  clock.advance(499);
  await Promise.resolve();
  t.deepEqual(served, [1]);
  clock.advance(1);
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(served, [1, 2]);
  clock.advance(500);
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(served, [1, 2, 3]);
  clock.advance(500);
  await Promise.all(rest);
  t.deepEqual(served, [1, 2, 3, 4]);
  clock.advance(10_000);
  await track(5);
  t.deepEqual(served, [1, 2, 3, 4, 5], 'after a quiet spell, served at once again');
});

test('/monitor/statistics waits for the rate limiter on the given clock', async (t) => {
  const clock = new Clock();
  clock.pause();
  const r = routes(() => monitorView(), {
    clock,
    containerizer: { usage: () => Promise.resolve(stats(1, 1)), status: () => Promise.reject(new Error('unused')) },
  });
  await r.call('/monitor/statistics');
  let done = false;
  const second = r.call('/monitor/statistics').then((response) => {
    done = true;
    return response;
  });
  await new Promise((resolve) => setImmediate(resolve));
  t.false(done);
  clock.advance(500);
  const response = await second;
  t.true(done);
  t.is(response.status, 200);
});
