// The test framework (Mesos 1.0's src/examples/test_framework.cpp and
// test_executor.cpp, on our MesosSchedulerDriver and MesosExecutorDriver).
//
// It launches `--tasks` tasks (default 5), packing as many into each offer as
// fit `--resources` (per task, default `cpus:1;mem:128`), prints every offer
// and status update, and exits 0 once every task is TASK_FINISHED. A task that
// ends TASK_LOST, TASK_KILLED, TASK_FAILED or TASK_ERROR aborts the framework
// (exit 1).
//
// Like 1.0, the tasks run under a test executor: one executor `default` per
// agent, which reports each task TASK_RUNNING and then TASK_FINISHED at once.
// That executor is this same file, started by the agent with
// `--run_as_executor`. With `--command='...'` the tasks are command tasks
// instead (each one runs under its own `mesos-executor`).
//
//   npm start    # in another terminal: a local cluster on 127.0.0.1:5050
//   LIBPROCESS_IP=127.0.0.1 node --import tsx examples/test-framework.ts --master=127.0.0.1:5050 --tasks=10
//
// Flags come from the command line only (as in 1.0): --master (required),
// --tasks, --resources, --role, --command, --checkpoint,
// --explicit_acknowledgements, --help. The agents must run on this machine,
// since the executor is started from this file's path.

import { fileURLToPath } from 'node:url';
import { defineFlags, flag, resolveCli, types } from '../common/flags.js';
import { Resources } from '../common/resources.js';
import { isTerminalState, taskStateName } from '../common/task-states.js';
import { MesosExecutorDriver, Status as ExecutorStatus, type Executor } from '../executor/driver.js';
import { mesos } from '../proto/index.js';
import { findResources } from '../scheduler-driver/execute.js';
import {
  MesosSchedulerDriver,
  Status,
  type ExecutorID,
  type Offer,
  type Scheduler,
  type SchedulerDriver,
  type TaskInfoInput,
  type TaskStatus,
} from '../scheduler-driver/driver.js';

const TaskState = mesos.TaskState;
const RUN_AS_EXECUTOR = '--run_as_executor';

// ---------------------------------------------------------------------------------------
// The executor side (test_executor.cpp).

const testExecutor: Executor = {
  registered: (_driver, _executorInfo, _frameworkInfo, slaveInfo) => {
    console.log(`Registered executor on ${slaveInfo.hostname ?? ''}`);
  },
  reregistered: (_driver, slaveInfo) => {
    console.log(`Re-registered executor on ${slaveInfo.hostname ?? ''}`);
  },
  disconnected: () => undefined,
  launchTask: (driver, task) => {
    console.log(`Starting task ${task.task_id.value}`);
    driver.sendStatusUpdate({ task_id: task.task_id, state: TaskState.TASK_RUNNING });
    // This is where one would do the work the task asks for.
    console.log(`Finishing task ${task.task_id.value}`);
    driver.sendStatusUpdate({ task_id: task.task_id, state: TaskState.TASK_FINISHED });
  },
  killTask: () => undefined,
  frameworkMessage: () => undefined,
  shutdown: (driver) => {
    driver.stop();
  },
  error: (_driver, message) => {
    console.error(`Executor error: ${message}`);
  },
};

async function runExecutor(): Promise<number> {
  const driver = new MesosExecutorDriver(testExecutor);
  try {
    return (await driver.run()) === ExecutorStatus.DRIVER_STOPPED ? 0 : 1;
  } catch (error) {
    // Not started by an agent: the MESOS_* environment is missing.
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

// ---------------------------------------------------------------------------------------
// The scheduler side (test_framework.cpp).

const flags = defineFlags('test-framework', {
  master: flag(types.string, { help: 'ip:port of the master to connect to.' }),
  tasks: flag(types.int, { help: 'How many tasks to run.', default: '5' }),
  resources: flag(types.string, { help: 'Resources of each task.', default: 'cpus:1;mem:128' }),
  role: flag(types.string, { help: 'Role to use when registering.', default: '*' }),
  command: flag(types.string, { help: 'Run command tasks with this shell command instead of test executor tasks.' }),
  checkpoint: flag(types.bool, { help: 'Enable checkpointing for the framework.', default: 'false' }),
  explicit_acknowledgements: flag(types.bool, { help: 'Acknowledge status updates explicitly.', default: 'false' }),
});

interface Settings {
  totalTasks: number;
  taskResources: Resources;
  role: string;
  command: string | undefined;
  implicitAcknowledgements: boolean;
}

/** The ExecutorInfo of the test executor: this file, run by node with tsx. */
function testExecutorInfo(): mesos.ExecutorInfo.$Properties {
  const self = fileURLToPath(import.meta.url);
  const tsx = import.meta.resolve('tsx');
  return {
    executor_id: { value: 'default' },
    name: 'Test Executor (TypeScript)',
    source: 'ts_test',
    command: { value: `'${process.execPath}' --import '${tsx}' '${self}' ${RUN_AS_EXECUTOR}`, shell: true },
  };
}

class TestScheduler implements Scheduler {
  private tasksLaunched = 0;
  private tasksFinished = 0;
  private readonly executor = testExecutorInfo();

  constructor(private readonly settings: Settings) {}

  registered(): void {
    console.log('Registered!');
  }

  reregistered(): void {}

  disconnected(): void {}

  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void {
    const { totalTasks, taskResources, role } = this.settings;
    for (const offer of offers) {
      let remaining = Resources.fromProto(offer.resources);
      console.log(`Received offer ${offer.id.value} with ${remaining.toString()}`);
      const tasks: TaskInfoInput[] = [];
      while (this.tasksLaunched < totalTasks && remaining.flatten().contains(taskResources)) {
        const resources = findResources(remaining, taskResources, role);
        if (resources === undefined) break;
        const taskId = this.tasksLaunched++;
        console.log(`Launching task ${taskId} using offer ${offer.id.value}`);
        const task: TaskInfoInput = {
          name: `Task ${taskId}`,
          task_id: { value: String(taskId) },
          slave_id: offer.slave_id,
          resources: resources.toProto(),
        };
        if (this.settings.command === undefined) task.executor = this.executor;
        else task.command = { value: this.settings.command, shell: true };
        tasks.push(task);
        remaining = remaining.minus(resources);
      }
      if (tasks.length === 0) driver.declineOffer(offer.id);
      else driver.launchTasks(offer.id, tasks);
    }
  }

  offerRescinded(): void {}

  statusUpdate(driver: SchedulerDriver, status: TaskStatus): void {
    const taskId = status.task_id.value;
    const state = taskStateName(status.state);
    console.log(`Task ${taskId} is in state ${state}`);
    if (status.state === TaskState.TASK_FINISHED) this.tasksFinished++;
    if (isTerminalState(status.state) && status.state !== TaskState.TASK_FINISHED) {
      const reason = mesos.TaskStatus.Reason[status.reason] ?? String(status.reason);
      const source = mesos.TaskStatus.Source[status.source] ?? String(status.source);
      console.log(
        `Aborting because task ${taskId} is in unexpected state ${state} with reason ${reason} ` +
          `from source ${source} with message '${status.message}'`,
      );
      driver.abort();
    }
    if (!this.settings.implicitAcknowledgements) driver.acknowledgeStatusUpdate(status);
    if (this.tasksFinished === this.settings.totalTasks) {
      console.log(`All ${this.settings.totalTasks} tasks finished`);
      // After this callback, so the last acknowledgement goes out first.
      setTimeout(() => driver.stop(), 0);
    }
  }

  frameworkMessage(_driver: SchedulerDriver, _executorId: ExecutorID): void {}

  slaveLost(): void {}

  executorLost(): void {}

  error(_driver: SchedulerDriver, message: string): void {
    console.log(message);
  }
}

async function runScheduler(argv: string[]): Promise<number> {
  const outcome = resolveCli(flags, argv, {}, { program: 'test-framework' });
  if (outcome.action === 'exit') {
    if (outcome.stdout !== undefined) process.stdout.write(outcome.stdout);
    if (outcome.stderr !== undefined) process.stderr.write(outcome.stderr);
    return outcome.code;
  }
  const { master, tasks, resources, role, command, checkpoint, explicit_acknowledgements: explicit } = outcome.flags;
  if (master === undefined) {
    console.error('Missing --master');
    return 1;
  }
  const parsed = Resources.tryParse(resources);
  if (!parsed.ok) {
    console.error(`Failed to parse --resources '${resources}': ${parsed.error}`);
    return 1;
  }
  if (explicit) console.log('Enabling explicit acknowledgements for status updates');
  const scheduler = new TestScheduler({
    totalTasks: tasks,
    taskResources: parsed.value,
    role,
    command,
    implicitAcknowledgements: !explicit,
  });
  const framework = { user: '', name: 'Test Framework (TypeScript)', role, checkpoint, principal: 'test-framework-ts' };
  const driver = new MesosSchedulerDriver(scheduler, framework, master, !explicit);
  const status = await driver.run();
  // After an abort, stop() still tears the framework down and releases the driver's runtime.
  driver.stop();
  await driver.join();
  return status === Status.DRIVER_STOPPED ? 0 : 1;
}

const args = process.argv.slice(2);
process.exit(args.includes(RUN_AS_EXECUTOR) ? await runExecutor() : await runScheduler(args));
