// A custom executor written with MesosExecutorDriver (executor/driver.ts), run
// by the agent for the tasks of examples/custom-executor-framework.ts.
//
// Each task carries in its `data` how many framework messages it takes to
// finish (K, a decimal number). The executor reports the task TASK_RUNNING,
// then answers every `ping <n>` message from the scheduler with `pong <n>`;
// after the K-th ping it reports the task TASK_FINISHED. The executor keeps
// running (holding no tasks) until the agent shuts it down, which happens when
// the framework is torn down, as with Mesos 1.0's example executors.
//
// The agent starts it as
//   '<node>' --import '<tsx>' '<path>/examples/custom-executor.ts'
// with the MESOS_* environment the executor driver reads (docs/executor.md);
// running it by hand makes the driver fail with
// "Expecting 'MESOS_SLAVE_PID' to be set in the environment".

import { MesosExecutorDriver, Status, type Executor, type ExecutorDriver } from '../executor/driver.js';
import { mesos } from '../proto/index.js';

const TaskState = mesos.TaskState;

/** The task this executor runs (the framework gives each executor one) and its ping budget. */
interface RunningTask {
  taskId: string;
  messages: number;
}

const tasks = new Map<string, RunningTask>();

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function finish(driver: ExecutorDriver, task: RunningTask): void {
  tasks.delete(task.taskId);
  driver.sendStatusUpdate({
    task_id: { value: task.taskId },
    state: TaskState.TASK_FINISHED,
    message: `answered ${task.messages} ping(s)`,
  });
  log(`Finished task ${task.taskId}`);
}

const executor: Executor = {
  registered: (_driver, executorInfo, frameworkInfo, slaveInfo) => {
    log(`Registered executor ${executorInfo.executor_id.value} of framework '${frameworkInfo.name}' on ${slaveInfo.hostname ?? ''}`);
  },
  reregistered: (_driver, slaveInfo) => {
    log(`Re-registered executor on ${slaveInfo.hostname ?? ''}`);
  },
  disconnected: () => undefined,
  launchTask: (driver, task) => {
    const text = Buffer.from(task.data ?? new Uint8Array()).toString('utf8').trim();
    const messages = /^\d+$/.test(text) ? Number(text) : 1;
    tasks.set(task.task_id.value, { taskId: task.task_id.value, messages });
    log(`Starting task ${task.task_id.value}: finishing after ${messages} ping(s)`);
    driver.sendStatusUpdate({ task_id: task.task_id, state: TaskState.TASK_RUNNING, message: `waiting for ${messages} ping(s)` });
  },
  killTask: (driver, taskId) => {
    tasks.delete(taskId.value);
    log(`Killing task ${taskId.value}`);
    driver.sendStatusUpdate({ task_id: taskId, state: TaskState.TASK_KILLED });
  },
  frameworkMessage: (driver, data) => {
    const text = Buffer.from(data).toString('utf8');
    const match = /^ping (\d+)$/.exec(text);
    const task = tasks.values().next().value;
    if (match === null || task === undefined) {
      log(`Ignoring framework message '${text}'`);
      return;
    }
    const n = Number(match[1]);
    log(`Received '${text}'; answering 'pong ${n}'`);
    driver.sendFrameworkMessage(`pong ${n}`);
    if (n >= task.messages) finish(driver, task);
  },
  shutdown: (driver) => {
    log('Shutting down');
    for (const task of tasks.values()) {
      driver.sendStatusUpdate({ task_id: { value: task.taskId }, state: TaskState.TASK_KILLED, message: 'executor shut down' });
    }
    tasks.clear();
    driver.stop();
  },
  error: (_driver, message) => {
    process.stderr.write(`Executor error: ${message}\n`);
  },
};

const driver = new MesosExecutorDriver(executor);
try {
  const status = await driver.run();
  process.exit(status === Status.DRIVER_STOPPED ? 0 : 1);
} catch (error) {
  // Not started by an agent: the MESOS_* environment is missing.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
