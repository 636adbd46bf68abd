// `mesos-executor`: the command executor the agent runs for a task that has a
// CommandInfo and no ExecutorInfo (main() in src/launcher/executor.cpp). Flags
// come from the command line only (1.0 loads them without an environment
// prefix); the agent always passes `--launcher_dir`. Everything else comes from
// the MESOS_* environment the agent sets (see executor/env.ts).

import { fileURLToPath } from 'node:url';
import { defineFlags, flag, resolveCli } from '../common/flags.js';
import { types } from '../common/flags-values.js';
import { createLogger } from '../libprocess/index.js';
import { fromJSONText, mesos } from '../proto/index.js';
import { CommandExecutor } from './command-executor.js';
import { ExecutorEnvironmentError, MesosExecutorDriver, Status, parseExecutorEnvironment } from './driver.js';
import { V1ExecutorDriver } from './v1/driver.js';

export const commandExecutorFlags = defineFlags('mesos-executor', {
  rootfs: flag(types.path, { help: 'The path to the root filesystem for the task.' }),
  sandbox_directory: flag(types.path, {
    help: 'The absolute path for the directory in the container where the\nsandbox is mapped to (only with --rootfs).',
  }),
  working_directory: flag(types.path, {
    help: 'The working directory for the task in the container (only with --rootfs).',
  }),
  user: flag(types.string, { help: 'The user that the task should be running as.' }),
  task_command: flag(types.string, {
    help: 'If specified, the CommandInfo (JSON) to launch instead of\nthe command in the TaskInfo.',
  }),
  launcher_dir: flag(types.path, {
    help: 'Directory path of Mesos binaries.',
    default: fileURLToPath(new URL('../bin', import.meta.url)),
  }),
});

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

const outcome = resolveCli(commandExecutorFlags, process.argv.slice(2), {}, { program: 'mesos-executor' });
if (outcome.action === 'exit') {
  if (outcome.stdout !== undefined) process.stdout.write(outcome.stdout);
  if (outcome.stderr !== undefined) process.stderr.write(outcome.stderr);
  process.exit(outcome.code);
}
const flags = outcome.flags;
if (flags.rootfs !== undefined) fail('--rootfs: running a task in its own root filesystem is not supported by this build');

let shutdownGracePeriodMs = 0;
let sandbox = process.cwd();
try {
  const environment = parseExecutorEnvironment(process.env);
  shutdownGracePeriodMs = environment.shutdownGracePeriodMs;
  sandbox = environment.directory;
} catch (error) {
  if (error instanceof ExecutorEnvironmentError) fail(error.message);
  throw error;
}

let taskCommand: mesos.CommandInfo | undefined;
if (flags.task_command !== undefined) {
  try {
    taskCommand = fromJSONText(mesos.CommandInfo, flags.task_command);
  } catch (error) {
    fail(`Failed to parse --task_command: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const executor = new CommandExecutor({
  shutdownGracePeriodMs,
  sandbox,
  env: process.env,
  user: flags.user,
  taskCommand,
});
const log = createLogger({ name: 'mesos-executor' });
// The agent's --http_command_executor: speak the v1 executor HTTP API instead of the libprocess driver.
const driver =
  process.env['MESOS_HTTP_COMMAND_EXECUTOR'] === '1' ? new V1ExecutorDriver(executor, { log }) : new MesosExecutorDriver(executor, { log });

// Torn down from outside (e.g. the agent destroying the container): take the task with us.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    executor.killNow();
    process.exit(128 + (signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 1));
  });
}

let status: Status;
try {
  status = await driver.run();
} catch (error) {
  status = Status.DRIVER_ABORTED;
  fail(error instanceof Error ? error.message : String(error));
}
process.exit(status === Status.DRIVER_STOPPED ? 0 : 1);
