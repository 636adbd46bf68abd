// A framework whose tasks run under a custom executor
// (examples/custom-executor.ts, written with MesosExecutorDriver), talking to
// it with framework messages.
//
// It launches `--tasks` tasks (default 2), each under an executor of its own
// (`pinger-<task>`), packing as many into each offer as fit. When a task is
// TASK_RUNNING the scheduler sends its executor `ping 1`; the executor answers
// `pong 1`, the scheduler sends `ping 2`, and so on: after `--messages` pings
// (default 3) the executor finishes the task. Once every task is
// TASK_FINISHED and every pong has come back, the framework stops (tearing
// itself down, which shuts the executors down) and exits 0; any other
// terminal state aborts it (exit 1).
//
// Messages from scheduler to executor go straight to the agent the task runs
// on (FrameworkToExecutorMessage), and the agent sends the executor's answers
// straight to the scheduler (ExecutorToFrameworkMessage), as in Mesos 1.0.
//
//   npm start    # in another terminal: a local cluster on 127.0.0.1:5050
//   LIBPROCESS_IP=127.0.0.1 node --import tsx examples/custom-executor-framework.ts --master=127.0.0.1:5050 --tasks=3 --messages=5
//
// Flags (command line only): --master (required), --tasks, --messages,
// --resources (per task, default `cpus:0.1;mem:32`), --executor_resources
// (per executor, default `cpus:0.1;mem:32`), --help. The agents must run on
// this machine, since the executor is started from this checkout's path.

import { fileURLToPath } from 'node:url';
import { defineFlags, flag, resolveCli, types } from '../common/flags.js';
import { Resources } from '../common/resources.js';
import { isTerminalState, taskStateName } from '../common/task-states.js';
import { mesos } from '../proto/index.js';
import {
  MesosSchedulerDriver,
  Status,
  type ExecutorID,
  type FrameworkID,
  type Offer,
  type Scheduler,
  type SchedulerDriver,
  type SlaveID,
  type TaskInfoInput,
  type TaskStatus,
} from '../scheduler-driver/driver.js';

const TaskState = mesos.TaskState;

const flags = defineFlags('custom-executor-framework', {
  master: flag(types.string, { help: 'ip:port of the master to connect to.' }),
  tasks: flag(types.int, { help: 'How many tasks (and executors) to run.', default: '2' }),
  messages: flag(types.int, { help: 'How many ping/pong exchanges finish a task.', default: '3' }),
  resources: flag(types.string, { help: 'Resources of each task.', default: 'cpus:0.1;mem:32' }),
  executor_resources: flag(types.string, { help: 'Resources of each executor.', default: 'cpus:0.1;mem:32' }),
});

interface Settings {
  tasks: number;
  messages: number;
  taskResources: Resources;
  executorResources: Resources;
}

interface TaskRecord {
  executorId: string;
  slaveId: SlaveID | undefined;
  pongs: number;
  finished: boolean;
}

/** How the agent starts examples/custom-executor.ts: node with tsx. */
function executorCommand(): string {
  const file = fileURLToPath(new URL('./custom-executor.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  return `'${process.execPath}' --import '${tsx}' '${file}'`;
}

class PingScheduler implements Scheduler {
  private launched = 0;
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly byExecutor = new Map<string, string>();
  private readonly command = executorCommand();
  private done = false;

  constructor(private readonly settings: Settings) {}

  registered(_driver: SchedulerDriver, frameworkId: FrameworkID): void {
    console.log(`Registered with framework ID '${frameworkId.value}'`);
  }

  reregistered(): void {}

  disconnected(): void {}

  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void {
    const perTask = this.settings.taskResources.plus(this.settings.executorResources);
    for (const offer of offers) {
      let remaining = Resources.fromProto(offer.resources).unreserved();
      const tasks: TaskInfoInput[] = [];
      while (this.launched < this.settings.tasks && remaining.contains(perTask)) {
        const taskId = `ping-task-${this.launched++}`;
        const executorId = `pinger-${taskId}`;
        this.tasks.set(taskId, { executorId, slaveId: undefined, pongs: 0, finished: false });
        this.byExecutor.set(executorId, taskId);
        console.log(`Launching task ${taskId} with executor ${executorId} on agent ${offer.slave_id.value}`);
        tasks.push({
          name: taskId,
          task_id: { value: taskId },
          slave_id: offer.slave_id,
          resources: this.settings.taskResources.toProto(),
          data: Buffer.from(String(this.settings.messages)),
          executor: {
            executor_id: { value: executorId },
            name: 'Ping executor (TypeScript)',
            source: 'custom-executor-framework',
            command: { value: this.command, shell: true },
            resources: this.settings.executorResources.toProto(),
          },
        });
        remaining = remaining.minus(perTask);
      }
      if (tasks.length === 0) driver.declineOffer(offer.id);
      else driver.launchTasks(offer.id, tasks);
    }
  }

  offerRescinded(): void {}

  statusUpdate(driver: SchedulerDriver, status: TaskStatus): void {
    const taskId = status.task_id.value;
    const record = this.tasks.get(taskId);
    console.log(`Task ${taskId} is in state ${taskStateName(status.state)}${status.message ? ` (${status.message})` : ''}`);
    if (record === undefined) return;
    if (status.state === TaskState.TASK_RUNNING && record.slaveId === undefined) {
      record.slaveId = status.slave_id ?? undefined;
      this.ping(driver, record, 1);
    } else if (status.state === TaskState.TASK_FINISHED) {
      record.finished = true;
      this.maybeDone(driver);
    } else if (isTerminalState(status.state)) {
      console.log(`Aborting because task ${taskId} ended ${taskStateName(status.state)}`);
      driver.abort();
    }
  }

  frameworkMessage(driver: SchedulerDriver, executorId: ExecutorID, slaveId: SlaveID, data: Uint8Array): void {
    const text = Buffer.from(data).toString('utf8');
    console.log(`Received '${text}' from executor ${executorId.value} on agent ${slaveId.value}`);
    const taskId = this.byExecutor.get(executorId.value);
    const record = taskId === undefined ? undefined : this.tasks.get(taskId);
    const match = /^pong (\d+)$/.exec(text);
    if (record === undefined || match === null) return;
    const n = Number(match[1]);
    record.pongs = Math.max(record.pongs, n);
    if (n < this.settings.messages) this.ping(driver, record, n + 1);
    this.maybeDone(driver);
  }

  slaveLost(_driver: SchedulerDriver, slaveId: SlaveID): void {
    console.log(`Agent lost: ${slaveId.value}`);
  }

  executorLost(_driver: SchedulerDriver, executorId: ExecutorID, slaveId: SlaveID, status: number): void {
    console.log(`Executor ${executorId.value} lost on agent ${slaveId.value} with status ${status}`);
  }

  error(_driver: SchedulerDriver, message: string): void {
    console.log(`Error: ${message}`);
  }

  private ping(driver: SchedulerDriver, record: TaskRecord, n: number): void {
    if (record.slaveId === undefined) return;
    console.log(`Sending 'ping ${n}' to executor ${record.executorId}`);
    driver.sendFrameworkMessage({ value: record.executorId }, record.slaveId, `ping ${n}`);
  }

  private maybeDone(driver: SchedulerDriver): void {
    if (this.done || this.tasks.size < this.settings.tasks) return;
    for (const record of this.tasks.values()) {
      if (!record.finished || record.pongs < this.settings.messages) return;
    }
    this.done = true;
    console.log(`All ${this.settings.tasks} tasks finished after ${this.settings.messages} ping/pong exchange(s) each`);
    // After this callback, so its acknowledgement goes out before the teardown.
    setTimeout(() => driver.stop(), 0);
  }
}

const outcome = resolveCli(flags, process.argv.slice(2), {}, { program: 'custom-executor-framework' });
if (outcome.action === 'exit') {
  if (outcome.stdout !== undefined) process.stdout.write(outcome.stdout);
  if (outcome.stderr !== undefined) process.stderr.write(outcome.stderr);
  process.exit(outcome.code);
}
const { master, tasks, messages, resources, executor_resources: executorResources } = outcome.flags;
if (master === undefined) {
  console.error('Missing --master');
  process.exit(1);
}
const taskResources = Resources.tryParse(resources);
const executorParsed = Resources.tryParse(executorResources);
if (!taskResources.ok || !executorParsed.ok) {
  console.error(`Failed to parse resources: ${taskResources.ok ? '' : taskResources.error}${executorParsed.ok ? '' : executorParsed.error}`);
  process.exit(1);
}
const scheduler = new PingScheduler({
  tasks,
  messages: Math.max(1, messages),
  taskResources: taskResources.value,
  executorResources: executorParsed.value,
});
const driver = new MesosSchedulerDriver(scheduler, { user: '', name: 'Custom Executor Framework (TypeScript)' }, master);
const status = await driver.run();
driver.stop();
await driver.join();
process.exit(status === Status.DRIVER_STOPPED ? 0 : 1);
