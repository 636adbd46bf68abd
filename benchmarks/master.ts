// Master benchmarks. The /master/state part renders the classic state JSON for
// an in-memory master of 1,000 and 10,000 agents, each running 2 tasks of each
// of 5 frameworks (100,000 tasks at 10k), populated directly through the model
// classes.
//
//   node --import tsx benchmarks/master.ts
//
// Prints `BENCH master.state_1k <ms> ms`, `BENCH master.state_10k <ms> ms`
// (median of warm renders, to one flat string),
// `BENCH master.state_10k_cold <ms> ms` (the first render, before any
// memoized fragments exist) and `BENCH master.state_10k_bytes <n> bytes`.

import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

import { UPID } from '../libprocess/upid.js';
import { mesos } from '../proto/index.js';
import { Resources } from '../common/resources.js';
import { MasterState } from '../master/indexes.js';
import { Agent, Framework, type TaskRecord } from '../master/model.js';
import { JsonSink } from '../master/http/sink.js';
import { writeState } from '../master/http/state.js';
import { BUILD_INFO } from '../master/http/version.js';
import type { MasterView } from '../master/http/view.js';

const FRAMEWORKS = 5;
const TASKS_PER_FRAMEWORK = 2;
const MASTER_ID = '20160727-120000-16777343-5050-4242';
const BASE_TIME = 1469620800;

const AGENT_RESOURCES = Resources.parse('cpus:32;mem:131072;disk:1048576;ports:[31000-32000]');
const TASK_RESOURCES = 'cpus:0.5;mem:512;disk:1024;ports:[31000-31000]';

/** A master model with `agents` agents, FRAMEWORKS frameworks and 2 tasks of each framework per agent. */
export function buildMasterState(agents: number): MasterState {
  const state = new MasterState(50);
  const frameworks: Framework[] = [];
  for (let f = 0; f < FRAMEWORKS; f++) {
    const id = `${MASTER_ID}-${String(f).padStart(4, '0')}`;
    const info: mesos.FrameworkInfo.$Properties = {
      id: { value: id },
      name: `framework-${f}`,
      user: 'root',
      hostname: `scheduler-${f}.example.com`,
      failover_timeout: 604800,
      checkpoint: true,
      role: f % 2 === 0 ? '*' : 'analytics',
      principal: `principal-${f}`,
      capabilities: [{ type: mesos.FrameworkInfo.Capability.Type.REVOCABLE_RESOURCES }],
    };
    const framework = new Framework(info, { kind: 'pid', pid: UPID.parse(`scheduler-${f}@10.0.0.${f + 1}:40000`) }, BASE_TIME);
    state.frameworks.set(id, framework);
    frameworks.push(framework);
  }
  for (let a = 0; a < agents; a++) {
    const agentId = `${MASTER_ID}-S${a}`;
    const hostname = `agent-${a}.example.com`;
    const info: mesos.SlaveInfo.$Properties = {
      id: { value: agentId },
      hostname,
      port: 5051,
      resources: AGENT_RESOURCES.toProto(),
      attributes: [
        { name: 'rack', type: mesos.Value.Type.TEXT, text: { value: `rack-${a % 40}` } },
        { name: 'zone', type: mesos.Value.Type.TEXT, text: { value: `zone-${a % 3}` } },
      ],
    };
    const pid = UPID.parse(`slave(1)@10.${(a >> 16) & 255}.${(a >> 8) & 255}.${a & 255}:5051`);
    const agent = new Agent(info, pid, '1.0.0', BASE_TIME + a / 1000, Resources.EMPTY);
    state.addAgent(agent);
    for (const framework of frameworks) {
      for (let t = 0; t < TASKS_PER_FRAMEWORK; t++) {
        const taskId = `task-${a}-${t}.${framework.info.name}`;
        const timestamp = BASE_TIME + 60 + a / 100 + t / 10;
        const resources = Resources.parse(TASK_RESOURCES);
        const task: mesos.Task.$Properties = {
          name: `task ${taskId}`,
          task_id: { value: taskId },
          framework_id: { value: framework.id },
          slave_id: { value: agentId },
          state: mesos.TaskState.TASK_RUNNING,
          resources: resources.toProto(),
          statuses: [
            { task_id: { value: taskId }, state: mesos.TaskState.TASK_STARTING, timestamp },
            { task_id: { value: taskId }, state: mesos.TaskState.TASK_RUNNING, timestamp: timestamp + 0.25 },
          ],
          user: 'root',
        };
        const record: TaskRecord = { task, resources };
        agent.addTask(record);
        framework.addTask(record);
      }
    }
  }
  return state;
}

export function viewOf(state: MasterState): MasterView {
  return {
    state,
    version: '1.0.0',
    build: BUILD_INFO,
    id: MASTER_ID,
    pid: 'master@127.0.0.1:5050',
    hostname: 'master.example.com',
    startTime: BASE_TIME,
    electedTime: BASE_TIME + 1,
    leader: { id: MASTER_ID, ip: 16777343, port: 5050, pid: 'master@127.0.0.1:5050', hostname: 'master.example.com' },
    cluster: 'bench',
    flags: { cluster: 'bench', hostname: 'master.example.com', port: '5050', work_dir: '/var/lib/mesos' },
  };
}

/** Renders /master/state as the route does. */
function renderText(view: MasterView): string {
  const sink = new JsonSink();
  writeState(sink, view);
  return sink.finish();
}

/** A full collection between phases, so one phase's garbage is not billed to the next. */
function collect(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Cold (first) render time and median of `rounds` warm renders, in ms. */
function measureState(view: MasterView, rounds: number): { cold: number; warm: number; bytes: number } {
  let text = '';
  collect();
  const cold = time(() => (text = renderText(view)));
  const bytes = Buffer.byteLength(text);
  text = '';
  const warm: number[] = [];
  for (let i = 0; i < rounds; i++) warm.push(time(() => void renderText(view)));
  collect();
  return { cold, warm: median(warm), bytes };
}

export async function run(): Promise<void> {
  const small = measureState(viewOf(buildMasterState(1_000)), 7);
  console.log(`BENCH master.state_1k ${small.warm.toFixed(1)} ms`);
  const large = measureState(viewOf(buildMasterState(10_000)), 5);
  console.log(`BENCH master.state_10k ${large.warm.toFixed(1)} ms`);
  console.log(`BENCH master.state_10k_cold ${large.cold.toFixed(1)} ms`);
  console.log(`BENCH master.state_10k_bytes ${large.bytes} bytes`);
  await Promise.resolve();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
