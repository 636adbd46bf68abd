// `mesos-execute`: runs one command as a task and follows it to a terminal
// state (Mesos 1.0's src/cli/execute.cpp), as a framework on our
// MesosSchedulerDriver (1.0's tool uses the v1 HTTP scheduler library).
//
//   mesos-execute --master=127.0.0.1:5050 --name=hello --command='echo hi'
//
// Output lines are 1.0's: `Subscribed with ID '<id>'`, `Submitted task '<name>'
// to agent '<agent>'`, `Received status update <STATE> for task '<name>'` and
// the `message`/`source`/`reason`/`healthy?` lines under it, `Asked to kill
// task ...` with --kill_after. Differences from 1.0 (see docs/examples.md):
// flags may also come from MESOS_* variables; the exit code is 0 only for
// TASK_FINISHED (1.0 exits 0 whatever the task did); the framework is torn
// down at the end; container images, --networks, --volumes, --package and the
// docker containerizer are refused up front with a clear error.

import os from 'node:os';
import { defineFlags, flag, resolveCli, types, usage, type Env, type FlagValues, type WithHelp } from '../common/flags.js';
import { ResourceEntry, Resources } from '../common/resources.js';
import { isTerminalState, taskStateName } from '../common/task-states.js';
import { createLogger } from '../libprocess/logging.js';
import { has, mesos } from '../proto/index.js';
import {
  MesosSchedulerDriver,
  Status,
  type CredentialInput,
  type FrameworkInfoInput,
  type Offer,
  type Scheduler,
  type SchedulerDriver,
  type TaskInfoInput,
  type TaskStatus,
} from './driver.js';

const defs = {
  master: flag(types.string, { help: 'Mesos master (e.g., IP:PORT).' }),
  name: flag(types.string, { help: 'Name for the command (also the task id).' }),
  shell: flag(types.bool, {
    help:
      "Run 'command' with `sh -c`. With --no-shell the command is split on\n" +
      'white space into the executable and its arguments.',
    default: 'true',
  }),
  command: flag(types.string, { help: 'Command to launch.' }),
  env: flag(types.stringMap, {
    help:
      'Shell command environment variables: a JSON object\n' +
      '(e.g. {"name1": "value1"}) or `file:///path/to/file` holding one.',
  }),
  resources: flag(types.string, { help: 'Resources for the command.', default: 'cpus:1;mem:128' }),
  hadoop: flag(types.string, { help: "Path to the 'hadoop' script (only with --package).", default: 'hadoop' }),
  hdfs: flag(types.string, { help: 'The ip:port of the NameNode service (only with --package).', default: 'localhost:9000' }),
  package: flag(types.string, { help: 'Package to upload into HDFS: not supported by this build.' }),
  overwrite: flag(types.bool, { help: 'Overwrite the package in HDFS (only with --package).', default: 'false' }),
  checkpoint: flag(types.bool, { help: 'Enable checkpointing for the framework.', default: 'false' }),
  appc_image: flag(types.string, { help: 'Appc image name: not supported by this build yet.' }),
  docker_image: flag(types.string, { help: 'Docker image name: not supported by this build yet.' }),
  framework_capabilities: flag(types.stringSet, {
    help:
      'Comma separated list of optional framework capabilities to enable\n' +
      "(the only valid value is currently 'GPU_RESOURCES').",
  }),
  containerizer: flag(types.string, {
    help: "Containerizer to be used: only 'mesos' in this build ('docker' is refused).",
    default: 'mesos',
  }),
  role: flag(types.string, { help: 'Role to use when registering.', default: '*' }),
  kill_after: flag(types.duration, {
    help: 'Kill the task this long after it is running (e.g., 10secs, 2mins).',
  }),
  networks: flag(types.string, { help: 'Networks for the container to join: not supported by this build.' }),
  principal: flag(types.string, { help: 'The principal to use for framework authentication.' }),
  secret: flag(types.string, { help: 'The secret to use for framework authentication.' }),
  volumes: flag(types.string, { help: 'Volumes for the container (JSON): not supported by this build.' }),
};

export const executeFlags = defineFlags('mesos-execute', defs);
export type ExecuteFlags = FlagValues<WithHelp<typeof defs>>;

/** Everything the command scheduler needs, checked. */
export interface ExecuteConfig {
  master: string;
  framework: FrameworkInfoInput;
  credential: CredentialInput | undefined;
  name: string;
  resources: Resources;
  command: mesos.CommandInfo.$Properties;
  killAfterMs: number | undefined;
}

export type ConfigResult = { ok: true; config: ExecuteConfig } | { ok: false; message: string; usage: boolean };

const Capability = mesos.FrameworkInfo.Capability.Type;

/** main()'s checks in 1.0's order, then the ones this build adds. */
export function configure(flags: ExecuteFlags, user = os.userInfo().username): ConfigResult {
  const withUsage = (message: string): ConfigResult => ({ ok: false, message, usage: true });
  const plain = (message: string): ConfigResult => ({ ok: false, message, usage: false });

  if (flags.master === undefined) return withUsage('Missing required option --master');
  if (!/^(master@)?[^\s:@/]+:\d{1,5}$/.test(flags.master) && !flags.master.startsWith('file://')) {
    return withUsage(`Could not parse --master=${flags.master}`);
  }
  if (flags.name === undefined) return withUsage('Missing required option --name');
  if (flags.shell && flags.command === undefined) return withUsage('Missing required option --command');
  if (!flags.shell && (flags.command === undefined || flags.command.trim() === '')) {
    return withUsage('Missing required option --command (with --no-shell: the executable and its arguments)');
  }
  if (flags.package !== undefined) return plain("Flag '--package' is not supported by this build (no HDFS client)");
  if (flags.appc_image !== undefined && flags.docker_image !== undefined) {
    return plain("Flags '--docker-image' and '--appc-image' are both set");
  }

  const capabilities = [Capability.TASK_KILLING_STATE];
  for (const name of flags.framework_capabilities ?? []) {
    const type = (Capability as unknown as Record<string, unknown>)[name];
    if (typeof type !== 'number' || name === 'UNKNOWN') {
      return plain(`Flags '--framework_capabilities' specifes an unknown capability '${name}'`);
    }
    if (type !== Capability.GPU_RESOURCES) {
      return plain(`Flags '--framework_capabilities' specifes an unsupported capability '${name}'`);
    }
    capabilities.push(type);
  }

  if (flags.containerizer === 'docker') {
    return plain("The 'docker' containerizer is not supported by this build; use --containerizer=mesos");
  }
  if (flags.containerizer !== 'mesos') return plain(`Unsupported containerizer: ${flags.containerizer}`);
  if (flags.docker_image !== undefined) {
    return plain("Flag '--docker_image' is not supported yet: the mesos containerizer of this build has no image provisioner");
  }
  if (flags.appc_image !== undefined) {
    return plain("Flag '--appc_image' is not supported yet: the mesos containerizer of this build has no image provisioner");
  }
  if (flags.networks !== undefined && flags.networks !== '') {
    return plain("Flag '--networks' is not supported yet: this build has no network isolator");
  }
  if (flags.volumes !== undefined) return plain("Flag '--volumes' is not supported yet: container volumes need an image provisioner");

  const parsed = Resources.tryParse(flags.resources);
  if (!parsed.ok) return plain(`Failed to parse resources '${flags.resources}': ${parsed.error}`);

  const command: mesos.CommandInfo.$Properties = {};
  if (flags.shell) {
    command.shell = true;
    command.value = flags.command ?? '';
  } else {
    const argv = (flags.command ?? '').trim().split(/\s+/);
    command.shell = false;
    command.value = argv[0] ?? '';
    command.arguments = argv;
  }
  if (flags.env !== undefined) {
    command.environment = { variables: Object.entries(flags.env).map(([name, value]) => ({ name, value })) };
  }

  const framework: FrameworkInfoInput = {
    user,
    name: 'mesos-execute instance',
    role: flags.role,
    checkpoint: flags.checkpoint,
    capabilities: capabilities.map((type) => ({ type })),
  };
  let credential: CredentialInput | undefined;
  if (flags.principal !== undefined) {
    framework.principal = flags.principal;
    if (flags.secret !== undefined) credential = { principal: flags.principal, secret: flags.secret };
  }

  return {
    ok: true,
    config: {
      master: flags.master,
      framework,
      credential,
      name: flags.name,
      resources: parsed.value,
      command,
      killAfterMs: flags.kill_after,
    },
  };
}

/**
 * `offered.find(wanted.flatten(role))` of 1.0's Resources: `wanted` taken from
 * the resources reserved for `role` first, then from unreserved ones, scalars
 * split across both when needed. Undefined when the offer cannot cover it.
 */
export function findResources(offered: Resources, wanted: Resources, role = '*'): Resources | undefined {
  let remaining = wanted.flatten();
  let found = Resources.EMPTY;
  const pools = role === '*' ? [offered.unreserved()] : [offered.reserved(role), offered.unreserved()];
  for (const pool of pools) {
    for (const have of pool) {
      if (have.revocable || have.disk !== undefined) continue;
      const need = remaining.get(have.name);
      if (need.isEmpty()) continue;
      if (have.type === mesos.Value.Type.SCALAR) {
        const milli = Math.min(need.scalarMilli(have.name), have.milli);
        if (milli <= 0) continue;
        found = found.plus(Resources.fromEntries([new ResourceEntry(have.kind, milli, undefined, undefined, undefined)]));
        const [needEntry] = need;
        if (needEntry === undefined) continue;
        remaining = remaining.minus(Resources.fromEntries([new ResourceEntry(needEntry.kind, milli, undefined, undefined, undefined)]));
      } else if (Resources.fromEntries([have]).flatten().contains(need)) {
        found = found.plus(need.flatten(have.role, have.reservation));
        remaining = remaining.minus(need);
      }
    }
  }
  return remaining.isEmpty() ? found : undefined;
}

/** The lines 1.0 prints for a status update. */
export function describeStatus(status: TaskStatus): string[] {
  const lines = [`Received status update ${taskStateName(status.state)} for task '${status.task_id.value}'`];
  if (has(status, 'message')) lines.push(`  message: '${status.message}'`);
  if (has(status, 'source')) lines.push(`  source: ${mesos.TaskStatus.Source[status.source] ?? status.source}`);
  if (has(status, 'reason')) lines.push(`  reason: ${mesos.TaskStatus.Reason[status.reason] ?? status.reason}`);
  if (has(status, 'healthy')) lines.push(`  healthy?: ${status.healthy ? 1 : 0}`);
  return lines;
}

/** 1.0's CommandScheduler on the driver API: one task on the first offer that fits, every other offer declined. */
export class CommandScheduler implements Scheduler {
  private launched = false;
  private killTimer: NodeJS.Timeout | undefined;
  /** The terminal state the task reached, once it did. */
  terminal: mesos.TaskState | undefined;
  /** Set when the driver reported an error. */
  failure: string | undefined;

  constructor(
    private readonly config: ExecuteConfig,
    private readonly out: (line: string) => void,
  ) {}

  registered(_driver: SchedulerDriver, frameworkId: mesos.FrameworkID): void {
    this.out(`Subscribed with ID '${frameworkId.value}'`);
  }

  reregistered(): void {}

  disconnected(): void {}

  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void {
    const role = this.config.framework.role ?? '*';
    for (const offer of offers) {
      const offered = Resources.fromProto(offer.resources);
      const resources = this.launched || !offered.flatten().contains(this.config.resources) ? undefined : findResources(offered, this.config.resources, role);
      if (resources === undefined) {
        driver.declineOffer(offer.id);
        continue;
      }
      const task: TaskInfoInput = {
        name: this.config.name,
        task_id: { value: this.config.name },
        slave_id: offer.slave_id,
        resources: resources.toProto(),
        command: this.config.command,
      };
      driver.launchTasks([offer.id], [task]);
      this.out(`Submitted task '${this.config.name}' to agent '${offer.slave_id.value}'`);
      this.launched = true;
    }
  }

  offerRescinded(): void {}

  statusUpdate(driver: SchedulerDriver, status: TaskStatus): void {
    if (status.task_id.value !== this.config.name) return; // 1.0 CHECK-fails here
    for (const line of describeStatus(status)) this.out(line);
    const killAfter = this.config.killAfterMs;
    if (killAfter !== undefined && status.state === mesos.TaskState.TASK_RUNNING && this.killTimer === undefined) {
      const agentId = status.slave_id?.value ?? '';
      this.killTimer = setTimeout(() => {
        this.out(`Asked to kill task '${status.task_id.value}' on agent '${agentId}'`);
        driver.killTask(status.task_id);
      }, killAfter);
    }
    if (isTerminalState(status.state) && this.terminal === undefined) {
      this.terminal = status.state;
      clearTimeout(this.killTimer);
      // After this callback returns, so the implicit acknowledgement goes out before the teardown.
      setTimeout(() => driver.stop(), 0);
    }
  }

  frameworkMessage(): void {}

  slaveLost(): void {}

  executorLost(): void {}

  error(_driver: SchedulerDriver, message: string): void {
    this.failure = message;
    clearTimeout(this.killTimer);
    process.stderr.write(`Received an ERROR event: ${message}\n`);
  }
}

export interface ExecuteIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIO: ExecuteIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** The whole program; resolves with the exit code. */
export async function main(argv: readonly string[], env: Env = process.env, io: ExecuteIO = defaultIO): Promise<number> {
  const outcome = resolveCli(executeFlags, argv, env, { program: 'mesos-execute' });
  if (outcome.action === 'exit') {
    if (outcome.stdout !== undefined) io.stdout(outcome.stdout);
    if (outcome.stderr !== undefined) io.stderr(outcome.stderr);
    return outcome.code;
  }
  const checked = configure(outcome.flags);
  if (!checked.ok) {
    io.stderr(`${checked.usage ? usage(executeFlags, checked.message, 'mesos-execute') : checked.message}\n`);
    return 1;
  }
  const config = checked.config;
  const envLevel = env['MESOS_TS_LOG_LEVEL'];
  const log = createLogger({ name: 'mesos-execute', level: envLevel === undefined || envLevel === '' ? 'warn' : undefined });
  for (const warning of outcome.warnings) log.warn(warning);

  const scheduler = new CommandScheduler(config, (line) => io.stdout(`${line}\n`));
  const driver = new MesosSchedulerDriver(scheduler, config.framework, config.master, true, config.credential, {
    env: { ...env },
    log,
  });
  let interrupted = false;
  const onSignal = (): void => {
    // Tear the framework down (its task is killed) rather than leave it behind.
    interrupted = true;
    driver.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const status = await driver.run();
    if (status === Status.DRIVER_ABORTED) driver.stop();
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  if (interrupted || scheduler.failure !== undefined) return 1;
  return scheduler.terminal === mesos.TaskState.TASK_FINISHED ? 0 : 1;
}
