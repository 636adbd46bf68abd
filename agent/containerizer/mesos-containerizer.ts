// The Mesos containerizer (src/slave/containerizer/mesos/containerizer.cpp in Mesos 1.0):
// a launcher plus isolator plug-ins plus the fetcher. Launching a container:
//
//   PREPARING   each isolator's prepare(), in --isolation order
//               fork the launch helper (blocked), checkpoint its pid, start reaping it
//   ISOLATING   every isolator's isolate(pid) at once; watch() each for limitations
//   FETCHING    the fetcher brings CommandInfo.uris into the sandbox
//   RUNNING     the helper is let go and execs the executor
//
// A container ends when its executor exits (reaped), an isolator reports a limitation,
// or destroy() is called: the launcher kills every process, the isolators clean up in
// reverse order, and wait() resolves with a Termination (wait status, message, and the
// limitations' reasons). Each step checks that the container was not destroyed meanwhile.
// The executor's stdout and stderr go to `<sandbox>/stdout` and `<sandbox>/stderr`
// (Mesos's default sandbox container logger), appended after any fetcher output.
//
// With `--shared_command_executor` (an extension), command executors are not forked:
// they run in the shared executor host (hosted-launcher.ts). Such a container has no
// process until the host forks the task's launch helper; that pid is isolated before the
// helper may exec, and is the container's pid from then on.
//
// No provisioner (container images) and no container logger modules exist in this build.

import { constants as fsConstants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Resources } from '../../common/resources.js';
import { createLogger, type Logger } from '../../libprocess/index.js';
import { has, mesos } from '../../proto/index.js';
import { Fetcher, type FetcherFlags } from '../fetcher.js';
import { getForkedPidPath, getMetaRootDir, idValue, type IdLike } from '../paths.js';
import type { ContainerFetcher, Containerizer, ExecutorInfo, LaunchOptions, RecoverState, TaskInfo, Termination } from './containerizer.js';
import { containerEnvironment, executorEnvironment, type ExecutorEnvironmentFlags } from './environment.js';
import { HostedLauncher, executorHostEnvironment } from './hosted-launcher.js';
import { createIsolators, type IsolationFlags } from './isolation.js';
import type { ContainerLaunchInfo, ContainerLimitation, ContainerState, Isolator } from './isolator.js';
import { PosixLauncher, Reaper, type ForkSpec, type Launcher, type Stdio } from './launcher.js';
import { recoverableContainers } from './recover.js';
import { lookupUser, type UserInfo } from './user.js';
import { errorText } from '../../common/errors.js';
import { writeFileAtomicAsync } from '../checkpoint.js';

export interface MesosContainerizerFlags extends IsolationFlags, ExecutorEnvironmentFlags, FetcherFlags {
  launcher?: string | undefined;
  sandbox_directory: string;
  default_container_info?: mesos.ContainerInfo.$Properties | undefined;
  container_logger?: string | undefined;
  /** Run command executors in one shared executor host process (an extension). */
  shared_command_executor?: boolean | undefined;
}

export interface MesosContainerizerOptions {
  /** Executors write to the agent's stdout/stderr instead of the sandbox (local mode). */
  local?: boolean;
  fetcher?: ContainerFetcher;
  log?: Logger;
  /** Seconds since the epoch, for statistics timestamps. */
  now?: () => number;
  /** The agent's process environment (LIBPROCESS_IP is passed on to executors). */
  agentEnv?: NodeJS.ProcessEnv;
  /** The shared executor host program (default bin/mesos-executor-host.js; tests). */
  executorHostProgram?: string;
}

type State = 'PREPARING' | 'ISOLATING' | 'FETCHING' | 'RUNNING' | 'DESTROYING';

interface Container {
  state: State;
  readonly directory: string;
  /** Unknown after recovery until the next update(). */
  resources?: Resources;
  launchInfos: Promise<unknown>;
  /** Settles once the launch helper is forked (or failed to be). */
  forking: Promise<unknown>;
  pid?: number;
  isolation: Promise<unknown>;
  /** The executor's wait status once reaped. */
  status?: Promise<number | undefined>;
  readonly limitations: ContainerLimitation[];
  readonly termination: { promise: Promise<Termination>; resolve(t: Termination): void; reject(e: Error): void };
  /** Serializes status() calls (MESOS-4671). */
  sequence: Promise<unknown>;
  destroyed: Promise<void>;
  /** Runs in the shared executor host (a command executor with --shared_command_executor). */
  hosted?: { launched: boolean; checkpointPath?: string | undefined };
  /** Why the containerizer itself destroyed it (the termination's message). */
  reason?: string;
}

/** What a container's first process runs with, from the isolators' launch infos. */
interface LaunchPlan {
  command: mesos.CommandInfo.$Properties;
  environment: Record<string, string>;
  preExecCommands: mesos.CommandInfo.$Properties[];
  namespaces: number;
  user: UserInfo | undefined;
  /** The launch helper prints this and exits 1 (e.g. an unknown user). */
  failure: string | undefined;
}

const CONTAINER_TYPE_MESOS = mesos.ContainerInfo.Type.MESOS;

function settle(promise: Promise<unknown>): Promise<void> {
  return promise.then(
    () => undefined,
    () => undefined,
  );
}


function silentLogger(): Logger {
  return createLogger({ name: 'mesos-containerizer', level: 100 as unknown as 'fatal' });
}

/** A command task's executor (the agent built its ExecutorInfo; Slave::getExecutorInfo). */
function isCommandExecutor(options: LaunchOptions): boolean {
  if (options.commandTask !== undefined) return options.commandTask;
  return options.taskInfo !== undefined && !options.taskInfo.executor;
}

function isMesosType(container: mesos.ContainerInfo.$Properties | null | undefined): boolean {
  return !container || (container.type ?? CONTAINER_TYPE_MESOS) === CONTAINER_TYPE_MESOS;
}

export class MesosContainerizer implements Containerizer {
  private readonly containers_ = new Map<string, Container>();
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly local: boolean;
  private readonly agentEnv: NodeJS.ProcessEnv;
  /** Set with --shared_command_executor. */
  private readonly hosted: HostedLauncher | undefined;
  /** containerizer/mesos/container_destroy_errors */
  readonly metrics = { container_destroy_errors: 0 };

  /** Builds the launcher and isolators the flags ask for; throws naming the bad flag value. */
  static create(flags: MesosContainerizerFlags, options: MesosContainerizerOptions = {}): MesosContainerizer {
    if (flags.container_logger !== undefined && flags.container_logger !== '') {
      throw new Error(
        `Failed to create container logger: Container logger modules are not supported by this build` +
          ` (--container_logger=${flags.container_logger})`,
      );
    }
    const reaper = new Reaper();
    let launcher: Launcher;
    if (flags.launcher === undefined || flags.launcher === 'posix') {
      launcher = new PosixLauncher(reaper);
    } else if (flags.launcher === 'linux') {
      throw new Error(
        "Failed to create launcher: The 'linux' launcher is not supported by this build; use --launcher=posix",
      );
    } else {
      throw new Error(`Failed to create launcher: Unknown or unsupported launcher: ${flags.launcher}`);
    }
    const isolators = createIsolators(flags);
    const fetcher = options.fetcher ?? new Fetcher(flags, options.log);
    return new MesosContainerizer(flags, launcher, isolators, fetcher, reaper, options);
  }

  constructor(
    private readonly flags: MesosContainerizerFlags,
    private readonly launcher: Launcher,
    private readonly isolators: readonly Isolator[],
    private readonly fetcher: ContainerFetcher,
    private readonly reaper: Reaper,
    options: MesosContainerizerOptions = {},
  ) {
    this.log = options.log ?? silentLogger();
    this.now = options.now ?? ((): number => Date.now() / 1000);
    this.local = options.local ?? false;
    this.agentEnv = options.agentEnv ?? process.env;
    if (flags.shared_command_executor === true) {
      this.hosted = new HostedLauncher({
        log: this.log,
        env: executorHostEnvironment(this.agentEnv, this.flags, this.log),
        ...(options.executorHostProgram !== undefined ? { program: options.executorHostProgram } : {}),
      });
      this.hosted.attach({
        forked: (id, pid) => this.hostedForked(id, pid),
        ended: (id) => this.hostedEnded(id),
      });
    }
  }

  /** The shared executor host's figures (undefined without --shared_command_executor). */
  get executorHost(): { pid: number | undefined; metrics: HostedLauncher['metrics'] } | undefined {
    const hosted = this.hosted;
    return hosted === undefined ? undefined : { pid: hosted.hostPid, metrics: hosted.metrics };
  }

  /**
   * Stops what outlives a container's own processes: the shared executor host (its
   * executors and tasks with it). The agent calls this when it terminates.
   */
  async close(): Promise<void> {
    await this.hosted?.close();
  }

  get isolatorNames(): string[] {
    return this.isolators.map((i) => i.name);
  }

  // ---- recover ------------------------------------------------------------------------

  async recover(state?: RecoverState): Promise<void> {
    this.log.info('Recovering containerizer');
    const plan = recoverableContainers(state, this.flags.work_dir);
    for (const line of plan.skipped) this.log.warn(line);
    const recovered = plan.containers;

    const orphans = await this.launcher.recover(recovered);
    await Promise.all(this.isolators.map((isolator) => isolator.recover(recovered, orphans)));

    for (const run of recovered) this.adopt(run);

    // Failing to destroy an orphan does not fail the recovery (MESOS-2367).
    for (const id of orphans) {
      this.log.info(`Removing orphan container ${id}`);
      void this.launcher
        .destroy(id)
        .then(async () => {
          const failures = await this.cleanupIsolators(id);
          if (failures.length > 0) {
            this.metrics.container_destroy_errors++;
            for (const f of failures) this.log.error(`Failed to clean up an isolator of orphan container ${id}: ${f}`);
          }
        })
        .catch((error: unknown) => {
          this.metrics.container_destroy_errors++;
          this.log.error(`Failed to destroy orphan container ${id}: ${errorText(error)}`);
        });
    }
  }

  private adopt(run: ContainerState): void {
    const id = run.container_id.value;
    const container = this.newContainer(run.directory, 'RUNNING');
    container.pid = Number(run.pid);
    this.containers_.set(id, container);
    this.watchExit(id, container, Number(run.pid));
    this.watchLimitations(id);
  }

  // ---- launch -------------------------------------------------------------------------

  async launch(containerId: IdLike, options: LaunchOptions): Promise<boolean> {
    const id = idValue(containerId);
    if (this.containers_.has(id)) throw new Error('Container already started');
    if (options.taskInfo?.container && !isMesosType(options.taskInfo.container)) return false;

    let executorInfo: ExecutorInfo = options.executorInfo;
    if (!isMesosType(executorInfo.container)) return false;
    if (!executorInfo.container && this.flags.default_container_info) {
      executorInfo = { ...executorInfo, container: this.flags.default_container_info };
    }

    this.log.info(
      `Starting container '${id}' for executor '${executorInfo.executor_id.value}' of framework ` +
        `'${executorInfo.framework_id?.value ?? ''}'`,
    );
    const container = this.newContainer(options.directory, 'PREPARING');
    container.resources = Resources.fromProto(executorInfo.resources ?? []);
    this.containers_.set(id, container);

    const prepared = this.prepare(id, executorInfo, options.taskInfo, options.directory, options.user);
    container.launchInfos = prepared;
    const launchInfos = await prepared;
    this.check(id, container, 'PREPARING', 'preparing');

    if (this.hosted !== undefined && isCommandExecutor(options)) {
      return this.launchHosted(this.hosted, id, container, executorInfo, options, launchInfos);
    }

    const forking = this.fork(id, container, executorInfo, options, launchInfos);
    container.forking = forking;
    const forked = await forking;
    this.check(id, container, 'PREPARING', 'preparing');

    container.state = 'ISOLATING';
    this.watchLimitations(id);
    const isolation = Promise.all(this.isolators.map((isolator) => isolator.isolate(id, forked.pid)));
    container.isolation = isolation;
    await isolation;
    this.check(id, container, 'ISOLATING', 'isolating');

    container.state = 'FETCHING';
    await this.fetcher.fetch(id, executorInfo.command, options.directory, options.user, idValue(options.agentId));
    this.check(id, container, 'FETCHING', 'fetching');

    await forked.proceed();
    container.state = 'RUNNING';
    return true;
  }

  /**
   * A command executor in the shared executor host: no process is forked here. The host
   * starts the executor and later forks the task's launch helper (see hostedForked).
   */
  private async launchHosted(
    hosted: HostedLauncher,
    id: string,
    container: Container,
    executorInfo: ExecutorInfo,
    options: LaunchOptions,
    launchInfos: readonly (ContainerLaunchInfo | undefined)[],
  ): Promise<boolean> {
    container.hosted = { launched: false };
    const plan = await this.plan(id, executorInfo, options, launchInfos);
    this.check(id, container, 'PREPARING', 'preparing');
    if (plan.namespaces !== 0) throw new Error('The shared executor host does not support namespaces');
    if (plan.command !== executorInfo.command) {
      throw new Error('An isolator replaced the executor command, which the shared executor host cannot run');
    }
    this.watchLimitations(id);

    container.state = 'FETCHING';
    await this.fetcher.fetch(id, executorInfo.command, options.directory, options.user, idValue(options.agentId));
    this.check(id, container, 'FETCHING', 'fetching');

    container.state = 'RUNNING';
    container.hosted = {
      launched: true,
      checkpointPath: options.checkpoint
        ? getForkedPidPath(
            getMetaRootDir(this.flags.work_dir),
            idValue(options.agentId),
            executorInfo.framework_id?.value ?? '',
            executorInfo.executor_id.value,
            id,
          )
        : undefined,
    };
    const user = plan.user;
    await hosted.launch(id, {
      directory: options.directory,
      environment: plan.environment,
      user: user !== undefined ? { name: user.name, uid: user.uid, gid: user.gid } : undefined,
      preExecCommands: plan.preExecCommands.map((c) => ({
        shell: c.shell ?? true,
        value: has(c, 'value') ? (c.value ?? undefined) : undefined,
      })),
      failure: plan.failure,
    });
    this.check(id, container, 'RUNNING', 'launching');
    return true;
  }

  /** The host forked a hosted container's task (blocked): isolate it, then let it go. */
  private hostedForked(id: string, pid: number): void {
    const container = this.containers_.get(id);
    // Being destroyed: the destroy kills it.
    if (container?.hosted === undefined || container.state === 'DESTROYING') return;
    container.pid = pid;
    const checkpointPath = container.hosted.checkpointPath;
    const isolation = (async (): Promise<void> => {
      await Promise.all(this.isolators.map((isolator) => isolator.isolate(id, pid)));
      if (checkpointPath !== undefined) {
        this.log.info(`Checkpointing the task's forked pid ${pid} to '${checkpointPath}'`);
        try {
          await writeFileAtomicAsync(checkpointPath, String(pid));
        } catch (error) {
          throw new Error(`Could not checkpoint the task's pid: ${errorText(error)}`);
        }
      }
    })();
    container.isolation = isolation;
    isolation.then(
      () => {
        if (this.containers_.get(id) === container && container.state !== 'DESTROYING') this.hosted?.proceed(id);
      },
      (error: unknown) => {
        if (this.containers_.get(id) !== container || container.state === 'DESTROYING') return;
        container.reason = `Failed to isolate the task of container ${id}: ${errorText(error)}`;
        this.log.error(container.reason);
        void this.destroy(id);
      },
    );
  }

  /** A hosted executor ended (or its host died). */
  private hostedEnded(id: string): void {
    const container = this.containers_.get(id);
    if (container?.hosted === undefined || container.state === 'DESTROYING') return;
    this.log.info(`Executor for container '${id}' has exited`);
    void this.destroy(id);
  }

  private newContainer(directory: string, state: State): Container {
    let resolve!: (t: Termination) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<Termination>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // wait() may never be called; a failed termination must not be an unhandled rejection.
    promise.catch(() => undefined);
    const done = Promise.resolve();
    return {
      state,
      directory,
      launchInfos: done,
      forking: done,
      isolation: done,
      limitations: [],
      termination: { promise, resolve, reject },
      sequence: done,
      destroyed: done,
    };
  }

  /** Fails the launch if the container was destroyed or moved on while we waited. */
  private check(id: string, container: Container, expected: State, during: string): void {
    if (this.containers_.get(id) !== container) throw new Error(`Container destroyed during ${during}`);
    if (container.state === 'DESTROYING') throw new Error(`Container is being destroyed during ${during}`);
    if (container.state !== expected) throw new Error(`Container is ${container.state} during ${during}`);
  }

  private async prepare(
    id: string,
    executorInfo: ExecutorInfo,
    taskInfo: TaskInfo | undefined,
    directory: string,
    user: string | undefined,
  ): Promise<(ContainerLaunchInfo | undefined)[]> {
    const config: mesos.slave.ContainerConfig.$Properties = {
      executor_info: executorInfo,
      directory,
      ...(taskInfo ? { task_info: taskInfo } : {}),
      ...(user !== undefined ? { user } : {}),
    };
    // One after another, so an isolator may depend on the ones before it.
    const infos: (ContainerLaunchInfo | undefined)[] = [];
    for (const isolator of this.isolators) infos.push(await isolator.prepare(id, config));
    return infos;
  }

  /** The command, environment, pre-exec commands and user the first process gets. */
  private async plan(
    id: string,
    executorInfo: ExecutorInfo,
    options: LaunchOptions,
    launchInfos: readonly (ContainerLaunchInfo | undefined)[],
  ): Promise<LaunchPlan> {
    const base =
      options.environment ??
      executorEnvironment(
        executorInfo,
        options.directory,
        idValue(options.agentId),
        options.agentPid,
        options.checkpoint,
        this.flags,
        this.agentEnv,
      );
    const environment = containerEnvironment(base, executorInfo, options.directory, launchInfos);

    let command = executorInfo.command;
    let commands = 0;
    const preExecCommands: mesos.CommandInfo.$Properties[] = [];
    let namespaces = 0;
    for (const info of launchInfos) {
      if (!info) continue;
      if (info.command) {
        if (++commands > 1) throw new Error('At most one command can be returned from isolators');
        command = info.command;
      }
      if (info.working_directory) {
        // Executors on the host filesystem may not pick their working directory.
        this.log.warn(
          `Ignore working directory '${info.working_directory}' specified in container launch info ` +
            `for container ${id} since the executor is using the host filesystem`,
        );
      }
      preExecCommands.push(...(info.pre_exec_commands ?? []));
      namespaces |= info.namespaces ?? 0;
    }

    // The helper reports a missing user itself, as Mesos's does.
    let user: UserInfo | undefined;
    let failure: string | undefined;
    if (options.user !== undefined) {
      const info = await lookupUser(options.user);
      if (info) user = info;
      else failure = `Failed to get the uid of user '${options.user}': not found`;
    }
    return { command, environment, preExecCommands, namespaces, user, failure };
  }

  private async fork(
    id: string,
    container: Container,
    executorInfo: ExecutorInfo,
    options: LaunchOptions,
    launchInfos: readonly (ContainerLaunchInfo | undefined)[],
  ): Promise<{ pid: number; proceed(): Promise<void> }> {
    const { command, environment, preExecCommands, namespaces, user, failure } = await this.plan(id, executorInfo, options, launchInfos);

    const files: FileHandle[] = [];
    try {
      let stdout: Stdio = 'inherit';
      let stderr: Stdio = 'inherit';
      if (!this.local) {
        for (const name of ['stdout', 'stderr']) {
          const path = join(options.directory, name);
          const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_APPEND;
          try {
            files.push(await open(path, flags, 0o644));
          } catch (error) {
            throw new Error(`Failed to open '${path}': ${errorText(error)}`);
          }
        }
        stdout = files[0]?.fd ?? 'ignore';
        stderr = files[1]?.fd ?? 'ignore';
        if (user) await Promise.all(files.map((f) => f.chown(user.uid, user.gid).catch(() => undefined)));
      }
      const spec: ForkSpec = {
        command,
        environment,
        workingDirectory: options.directory,
        user,
        stdout,
        stderr,
        preExecCommands,
        namespaces,
        ...(failure !== undefined ? { failure } : {}),
      };
      // Destroyed while we opened files or looked up the user: do not fork at all.
      if (container.state === 'DESTROYING') throw new Error('Container is being destroyed during preparing');
      let forked;
      try {
        forked = await this.launcher.fork(id, spec);
      } catch (error) {
        throw new Error(`Failed to fork executor: ${errorText(error)}`);
      }
      container.pid = forked.pid;
      this.watchExit(id, container, forked.pid);

      if (options.checkpoint) {
        const path = getForkedPidPath(
          getMetaRootDir(this.flags.work_dir),
          idValue(options.agentId),
          executorInfo.framework_id?.value ?? '',
          executorInfo.executor_id.value,
          id,
        );
        this.log.info(`Checkpointing executor's forked pid ${forked.pid} to '${path}'`);
        try {
          await writeFileAtomicAsync(path, String(forked.pid));
        } catch (error) {
          this.log.error(`Failed to checkpoint executor's forked pid to '${path}': ${errorText(error)}`);
          throw new Error("Could not checkpoint executor's pid");
        }
      }
      return forked;
    } finally {
      await Promise.all(files.map((f) => f.close().catch(() => undefined)));
    }
  }

  private watchExit(id: string, container: Container, pid: number): void {
    const status = this.reaper.reap(pid);
    container.status = status;
    void status.then(() => this.reaped(id, container));
  }

  private watchLimitations(id: string): void {
    for (const isolator of this.isolators) {
      isolator.watch(id).then(
        (limitation) => this.limited(id, limitation),
        (error: unknown) => this.limitFailed(id, error),
      );
    }
  }

  private reaped(id: string, container: Container): void {
    if (this.containers_.get(id) !== container) return;
    this.log.info(`Executor for container '${id}' has exited`);
    void this.destroy(id);
  }

  private limited(id: string, limitation: ContainerLimitation): void {
    const container = this.containers_.get(id);
    if (!container || container.state === 'DESTROYING') return;
    this.log.info(`Container ${id} has reached its limit and will be terminated: ${limitation.message ?? ''}`);
    container.limitations.push(limitation);
    void this.destroy(id);
  }

  private limitFailed(id: string, error: unknown): void {
    const container = this.containers_.get(id);
    if (!container || container.state === 'DESTROYING') return;
    this.log.error(`Error in a resource limitation for container ${id}: ${errorText(error)}`);
    void this.destroy(id);
  }

  // ---- update, usage, status, wait, containers -----------------------------------------

  async update(containerId: IdLike, resources: Resources): Promise<void> {
    const id = idValue(containerId);
    const container = this.containers_.get(id);
    // A task may end after its executor's container is gone: not an error.
    if (!container) {
      this.log.warn(`Ignoring update for unknown container: ${id}`);
      return;
    }
    if (container.state === 'DESTROYING') {
      this.log.warn(`Ignoring update for currently being destroyed container: ${id}`);
      return;
    }
    container.resources = resources;
    await Promise.all(this.isolators.map((isolator) => isolator.update(id, resources)));
  }

  async usage(containerId: IdLike): Promise<mesos.ResourceStatistics> {
    const id = idValue(containerId);
    const container = this.containers_.get(id);
    if (!container) throw new Error(`Unknown container: ${id}`);
    const results = await Promise.allSettled(this.isolators.map((isolator) => isolator.usage(id)));
    const fields: mesos.ResourceStatistics.$Properties = { timestamp: this.now() };
    for (const [i, result] of results.entries()) {
      if (result.status === 'fulfilled') Object.assign(fields, result.value);
      else {
        this.log.warn(
          `Skipping resource statistic of ${this.isolators[i]?.name ?? 'an isolator'} for container ${id} ` +
            `because: ${errorText(result.reason)}`,
        );
      }
    }
    const resources = container.resources;
    if (resources) {
      const mem = resources.mem();
      if (mem !== undefined) fields.mem_limit_bytes = Math.round(mem * 1024 * 1024);
      const cpus = resources.cpus();
      if (cpus !== undefined) fields.cpus_limit = cpus;
    }
    return mesos.ResourceStatistics.create(fields);
  }

  status(containerId: IdLike): Promise<mesos.ContainerStatus> {
    const id = idValue(containerId);
    const container = this.containers_.get(id);
    if (!container) return Promise.reject(new Error(`Unknown container: ${id}`));
    const launcherStatus = container.hosted !== undefined && this.hosted !== undefined ? this.hosted.status(id) : this.launcher.status(id);
    const futures = [...this.isolators.map((isolator) => isolator.status(id)), launcherStatus];
    const result = container.sequence.then(async () => {
      const fields: mesos.ContainerStatus.$Properties = {};
      for (const settled of await Promise.allSettled(futures)) {
        if (settled.status === 'fulfilled') {
          const { network_infos, ...rest } = settled.value;
          Object.assign(fields, rest);
          if (network_infos && network_infos.length > 0) {
            fields.network_infos = [...(fields.network_infos ?? []), ...network_infos];
          }
        } else {
          this.log.warn(`Skipping status for container ${id} because: ${errorText(settled.reason)}`);
        }
      }
      return mesos.ContainerStatus.create(fields);
    });
    container.sequence = settle(result);
    return result;
  }

  wait(containerId: IdLike): Promise<Termination> {
    const id = idValue(containerId);
    const container = this.containers_.get(id);
    if (!container) {
      return Promise.reject(new Error(`Unknown container (could have already been destroyed): ${id}`));
    }
    return container.termination.promise;
  }

  containers(): Promise<Set<string>> {
    return Promise.resolve(new Set(this.containers_.keys()));
  }

  // ---- destroy ------------------------------------------------------------------------

  destroy(containerId: IdLike): Promise<void> {
    const id = idValue(containerId);
    const container = this.containers_.get(id);
    // Launch failures, executor exits and the agent may all destroy the same container.
    if (!container) return Promise.resolve();
    if (container.state === 'DESTROYING') return container.destroyed;
    this.log.info(`Destroying container '${id}'`);

    const previous = container.state;
    container.state = 'DESTROYING';
    let run: Promise<void>;
    if (container.hosted !== undefined) {
      run = this.destroyHosted(id, container, previous);
    } else if (previous === 'PREPARING') {
      // Let prepare() and the fork settle first, so cleanup never races them.
      run = Promise.all([settle(container.launchInfos), settle(container.forking)]).then(() =>
        container.pid !== undefined
          ? this.killAndCleanup(id, container)
          : this.cleanup(id, container, undefined, 'Container destroyed while preparing isolators'),
      );
    } else if (previous === 'ISOLATING') {
      run = settle(container.isolation).then(() => this.killAndCleanup(id, container));
    } else {
      if (previous === 'FETCHING') this.fetcher.kill(id);
      run = this.killAndCleanup(id, container);
    }
    container.destroyed = run.catch((error: unknown) => {
      this.log.error(`Unexpected error destroying container ${id}: ${errorText(error)}`);
    });
    return container.destroyed;
  }

  private async destroyHosted(id: string, container: Container, previous: State): Promise<void> {
    const hosted = this.hosted;
    if (previous === 'PREPARING') {
      await settle(container.launchInfos);
      await this.cleanup(id, container, undefined, 'Container destroyed while preparing isolators');
      return;
    }
    if (previous === 'FETCHING') {
      this.fetcher.kill(id);
      await this.cleanup(id, container, undefined, 'Container destroyed while fetching');
      return;
    }
    // Isolation must settle first so that cleanup never races it.
    await settle(container.isolation);
    const end = hosted !== undefined && container.hosted?.launched === true ? await hosted.destroy(id) : {};
    await this.cleanup(id, container, end.status, container.reason ?? end.message);
  }

  private async killAndCleanup(id: string, container: Container): Promise<void> {
    try {
      await this.launcher.destroy(id);
    } catch (error) {
      // Processes may be left: isolators cannot be cleaned up safely.
      container.termination.reject(new Error(`Failed to destroy container ${id}: ${errorText(error)}`));
      this.containers_.delete(id);
      this.metrics.container_destroy_errors++;
      return;
    }
    const status = await (container.status ?? Promise.resolve(undefined)).catch(() => undefined);
    await this.cleanup(id, container, status, undefined);
  }

  private async cleanup(id: string, container: Container, status: number | undefined, why: string | undefined): Promise<void> {
    const failures = await this.cleanupIsolators(id);
    if (failures.length > 0) {
      container.termination.reject(
        new Error(`Failed to clean up an isolator when destroying container '${id}': ${failures[0] ?? ''}`),
      );
      this.containers_.delete(id);
      this.metrics.container_destroy_errors++;
      return;
    }

    const termination: mesos.containerizer.Termination.$Properties = {};
    if (status !== undefined) termination.status = status;
    let text = why;
    // A limitation may also be missed, e.g. when the OOM kill is seen as an exit first.
    if (container.limitations.length > 0) {
      termination.state = mesos.TaskState.TASK_FAILED;
      termination.reasons = container.limitations.flatMap((l) => (has(l, 'reason') ? [l.reason ?? 0] : []));
      text = container.limitations.map((l) => l.message ?? '').join('; ');
    }
    termination.message = text ?? 'Executor terminated';
    container.termination.resolve(mesos.containerizer.Termination.create(termination));
    this.containers_.delete(id);
  }

  /** Every isolator's cleanup, in reverse order, one at a time; returns the failures. */
  private async cleanupIsolators(id: string): Promise<string[]> {
    const failures: string[] = [];
    for (const isolator of [...this.isolators].reverse()) {
      try {
        await isolator.cleanup(id);
      } catch (error) {
        failures.push(errorText(error));
      }
    }
    return failures;
  }
}
