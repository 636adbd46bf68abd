// A long-lived framework (in the spirit of Mesos 1.0's
// src/examples/long_lived_framework.cpp): it keeps one task running on every
// agent, a shell loop around `sleep` (`--command`), and launches a replacement
// on the next offer from that agent whenever a task ends (failed, killed,
// lost). New agents get a task as soon as they are offered. It runs until
// SIGINT/SIGTERM or until `--duration` has passed, then stops, which tears the
// framework down (the master kills its tasks), and exits 0.
//
// Scheduler failover: the framework registers with `failover_timeout`
// (`--failover_timeout`, default 1mins) and prints its id
// (`Registered with framework ID '<id>'`). If the scheduler process dies
// (say, SIGKILL), its tasks keep running; start it again within the failover
// timeout with `--framework_id=<id>` and it takes the framework over, asks
// the master for the state of all its tasks (implicit reconciliation) and
// adopts the running ones instead of launching new tasks.
//
//   npm start -- --num_slaves=3    # in another terminal
//   LIBPROCESS_IP=127.0.0.1 node --import tsx examples/long-lived-framework.ts --master=127.0.0.1:5050
//
// Flags (command line only): --master (required), --framework_id,
// --failover_timeout, --duration, --command, --resources (per task, default
// `cpus:0.1;mem:32`), --checkpoint, --name, --help.

import { randomBytes } from 'node:crypto';
import { defineFlags, flag, resolveCli, types } from '../common/flags.js';
import { formatStoutDuration } from '../common/flags-values.js';
import { Resources } from '../common/resources.js';
import { isTerminalState, taskStateName } from '../common/task-states.js';
import { has, mesos } from '../proto/index.js';
import {
  MesosSchedulerDriver,
  Status,
  type ExecutorID,
  type FrameworkID,
  type FrameworkInfoInput,
  type Offer,
  type Scheduler,
  type SchedulerDriver,
  type SlaveID,
  type TaskStatus,
} from '../scheduler-driver/driver.js';

/** How long after (re-)registration offers are declined while reconciliation answers arrive. */
const RECONCILIATION_MS = 1_500;

const flags = defineFlags('long-lived-framework', {
  master: flag(types.string, { help: 'Master to connect to (ip:port).' }),
  framework_id: flag(types.string, { help: 'Take over this framework (after a scheduler failover).' }),
  failover_timeout: flag(types.duration, {
    help: 'How long the master keeps the framework and its tasks after the scheduler is gone.',
    default: '1mins',
  }),
  duration: flag(types.duration, { help: 'Stop after this long (default: run until SIGINT/SIGTERM).' }),
  command: flag(types.string, { help: 'The command every task runs.', default: 'while true; do sleep 1; done' }),
  resources: flag(types.string, { help: 'Resources of each task.', default: 'cpus:0.1;mem:32' }),
  checkpoint: flag(types.bool, { help: 'Whether this framework should be checkpointed.', default: 'false' }),
  name: flag(types.string, { help: 'The framework name.', default: 'Long Lived Framework (TypeScript)' }),
});

interface Settings {
  command: string;
  resources: Resources;
  /** Set when taking over an existing framework: reconcile before launching anything. */
  failover: boolean;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

class LongLivedScheduler implements Scheduler {
  /** Agent id -> the task id kept running there (launched or adopted, not yet terminal). */
  private readonly taskOnAgent = new Map<string, string>();
  /** Task id -> agent id. */
  private readonly agentOfTask = new Map<string, string>();
  private reconcilingUntil = 0;
  private launched = 0;
  private readonly runId = randomBytes(3).toString('hex');

  constructor(private readonly settings: Settings) {}

  registered(driver: SchedulerDriver, frameworkId: FrameworkID): void {
    log(`Registered with framework ID '${frameworkId.value}'`);
    if (this.settings.failover) this.reconcile(driver);
  }

  reregistered(driver: SchedulerDriver): void {
    log('Re-registered with the master');
    this.reconcile(driver);
  }

  disconnected(): void {
    log('Disconnected from the master');
  }

  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void {
    for (const offer of offers) {
      const agentId = offer.slave_id.value;
      const offered = Resources.fromProto(offer.resources).unreserved();
      if (Date.now() < this.reconcilingUntil) {
        driver.declineOffer(offer.id, { refuse_seconds: 1 });
        continue;
      }
      if (this.taskOnAgent.has(agentId) || !offered.contains(this.settings.resources)) {
        driver.declineOffer(offer.id);
        continue;
      }
      const taskId = `long-lived-${this.runId}-${this.launched++}`;
      this.track(taskId, agentId);
      log(`Starting task ${taskId} on agent ${agentId} (${offer.hostname})`);
      driver.launchTasks(offer.id, [
        {
          name: `Task ${taskId}`,
          task_id: { value: taskId },
          slave_id: offer.slave_id,
          resources: this.settings.resources.toProto(),
          command: { value: this.settings.command, shell: true },
        },
      ]);
    }
  }

  offerRescinded(): void {}

  statusUpdate(_driver: SchedulerDriver, status: TaskStatus): void {
    const taskId = status.task_id.value;
    const state = taskStateName(status.state);
    const agentId = status.slave_id?.value ?? this.agentOfTask.get(taskId) ?? '';
    if (status.reason === mesos.TaskStatus.Reason.REASON_RECONCILIATION) {
      log(`Reconciled task ${taskId} on agent ${agentId}: ${state}`);
      if (!isTerminalState(status.state) && agentId !== '' && !this.agentOfTask.has(taskId)) this.track(taskId, agentId);
    } else {
      log(`Task ${taskId} is in state ${state}${has(status, 'message') ? ` with message: ${status.message}` : ''}`);
    }
    if (isTerminalState(status.state) && this.agentOfTask.has(taskId)) {
      this.forget(taskId);
      log(`Task ${taskId} ended ${state}; a replacement starts on the next offer from agent ${agentId}`);
    }
  }

  frameworkMessage(): void {}

  slaveLost(_driver: SchedulerDriver, slaveId: SlaveID): void {
    log(`Agent lost: ${slaveId.value}`);
    const taskId = this.taskOnAgent.get(slaveId.value);
    if (taskId !== undefined) this.forget(taskId);
  }

  executorLost(_driver: SchedulerDriver, executorId: ExecutorID, slaveId: SlaveID, status: number): void {
    log(`Executor '${executorId.value}' lost on agent '${slaveId.value}' with status: ${status}`);
  }

  error(_driver: SchedulerDriver, message: string): void {
    log(`Error: ${message}`);
  }

  private reconcile(driver: SchedulerDriver): void {
    this.reconcilingUntil = Date.now() + RECONCILIATION_MS;
    log('Reconciling all tasks');
    driver.reconcileTasks([]);
  }

  private track(taskId: string, agentId: string): void {
    this.taskOnAgent.set(agentId, taskId);
    this.agentOfTask.set(taskId, agentId);
  }

  private forget(taskId: string): void {
    const agentId = this.agentOfTask.get(taskId);
    this.agentOfTask.delete(taskId);
    if (agentId !== undefined && this.taskOnAgent.get(agentId) === taskId) this.taskOnAgent.delete(agentId);
  }
}

const outcome = resolveCli(flags, process.argv.slice(2), {}, { program: 'long-lived-framework' });
if (outcome.action === 'exit') {
  if (outcome.stdout !== undefined) process.stdout.write(outcome.stdout);
  if (outcome.stderr !== undefined) process.stderr.write(outcome.stderr);
  process.exit(outcome.code);
}
const options = outcome.flags;
if (options.master === undefined) {
  process.stderr.write('Missing --master\n');
  process.exit(1);
}
const resources = Resources.tryParse(options.resources);
if (!resources.ok) {
  process.stderr.write(`Failed to parse --resources '${options.resources}': ${resources.error}\n`);
  process.exit(1);
}

const framework: FrameworkInfoInput = {
  user: '',
  name: options.name,
  checkpoint: options.checkpoint,
  failover_timeout: options.failover_timeout / 1000,
};
if (options.framework_id !== undefined) framework.id = { value: options.framework_id };
const scheduler = new LongLivedScheduler({
  command: options.command,
  resources: resources.value,
  failover: options.framework_id !== undefined,
});
const driver = new MesosSchedulerDriver(scheduler, framework, options.master);

let stopping = false;
const stop = (why: string): void => {
  if (stopping) return;
  stopping = true;
  log(`Stopping (${why}): tearing the framework down`);
  driver.stop();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
if (options.duration !== undefined) {
  setTimeout(() => stop(`ran for ${formatStoutDuration(options.duration ?? 0)}`), options.duration).unref();
}

const status = await driver.run();
driver.stop();
await driver.join();
process.exit(status === Status.DRIVER_STOPPED && stopping ? 0 : 1);
