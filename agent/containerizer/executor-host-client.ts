// The agent's end of the shared command executor host (bin/mesos-executor-host.js,
// executor/host.ts): starts the host process lazily on first need, with execa's IPC
// channel as the control channel, validates every message it sends back, and starts a
// new host on the next need after one died. Each host instance is a `generation`; what
// was launched in a dead generation is reported gone through `onExit`.

import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import type { Logger } from '../../libprocess/index.js';
import { parseHostToAgent, type AgentToHost, type HostToAgent } from './executor-host-protocol.js';
import { describeWaitStatus, waitStatus } from './launcher.js';
import { errorText } from '../../common/errors.js';

/** The host program, next to the other bin shims of this package. */
export const EXECUTOR_HOST_PROGRAM = fileURLToPath(new URL('../../bin/mesos-executor-host.js', import.meta.url));

/** How long a new host has to say `ready`. */
export const EXECUTOR_HOST_READY_TIMEOUT_MS = 60_000;

export interface ExecutorHostClientOptions {
  log: Logger;
  /** The host's environment (complete; nothing else is inherited). */
  env: Readonly<Record<string, string>>;
  /** A validated message from the host of `generation`. */
  onMessage(generation: number, message: HostToAgent): void;
  /** The host of `generation` is gone; `status` is its wait status when known. */
  onExit(generation: number, status: number | undefined, description: string): void;
  program?: string;
  readyTimeoutMs?: number;
}

const SUBPROCESS_OPTIONS = {
  ipc: true,
  serialization: 'json',
  buffer: false,
  reject: false,
  extendEnv: false,
  stdin: 'ignore',
  stdout: 'inherit',
  stderr: 'inherit',
} as const;

interface RunningHost {
  readonly generation: number;
  readonly subprocess: ResultPromise<typeof SUBPROCESS_OPTIONS & { env: Record<string, string> }>;
  readonly ready: Promise<void>;
  /** The host's OS pid and libprocess address once ready. */
  pid: number | undefined;
  address: string | undefined;
  gone: boolean;
}


export class ExecutorHostClient {
  private host: RunningHost | undefined;
  private generations = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Control messages from the host that did not validate (logged and dropped). */
  invalidMessages = 0;
  /** Host processes started. */
  starts = 0;

  constructor(private readonly options: ExecutorHostClientOptions) {}

  /** The running host's OS pid (for tests and the benchmark), if one is up. */
  get pid(): number | undefined {
    return this.host !== undefined && !this.host.gone ? this.host.pid : undefined;
  }

  /** A ready host, starting one if none is running; resolves with its generation. */
  async ensure(): Promise<number> {
    if (this.closed) throw new Error('The executor host client is closed');
    if (this.host === undefined || this.host.gone) this.host = this.start();
    const host = this.host;
    await host.ready;
    if (host.gone) throw new Error('The executor host exited');
    return host.generation;
  }

  /** Sends to the host of `generation`; false when that host is gone. */
  send(generation: number, message: AgentToHost): boolean {
    const host = this.host;
    if (host === undefined || host.gone || host.generation !== generation) return false;
    host.subprocess.sendMessage(message).catch((error: unknown) => {
      this.options.log.debug({ err: error, type: message.type }, 'could not send a control message to the executor host');
    });
    return true;
  }

  /** Stops the host (it kills every hosted task) and waits for it to exit. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async (): Promise<void> => {
      const host = this.host;
      if (host === undefined || host.gone) return;
      host.subprocess.kill('SIGTERM');
      const timer = setTimeout(() => host.subprocess.kill('SIGKILL'), 10_000);
      await host.subprocess;
      clearTimeout(timer);
    })();
    return this.closing;
  }

  private start(): RunningHost {
    const generation = ++this.generations;
    this.starts++;
    const log = this.options.log;
    const subprocess = execa(process.execPath, [this.options.program ?? EXECUTOR_HOST_PROGRAM], {
      ...SUBPROCESS_OPTIONS,
      env: { ...this.options.env },
    });
    let readyResolve!: () => void;
    let readyReject!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    // ensure() may never be awaited again after a failure.
    ready.catch(() => undefined);
    const host: RunningHost = { generation, subprocess, ready, pid: undefined, address: undefined, gone: false };
    const timeoutMs = this.options.readyTimeoutMs ?? EXECUTOR_HOST_READY_TIMEOUT_MS;
    const timer = setTimeout(() => {
      readyReject(new Error(`The executor host did not start within ${timeoutMs / 1000}secs`));
      subprocess.kill('SIGKILL');
    }, timeoutMs);

    void (async (): Promise<void> => {
      try {
        for await (const raw of subprocess.getEachMessage()) {
          const parsed = parseHostToAgent(raw);
          if (!parsed.ok) {
            this.invalidMessages++;
            log.warn({ error: parsed.error, generation }, 'dropping an invalid control message from the executor host');
            continue;
          }
          const message = parsed.message;
          if (message.type === 'ready') {
            host.pid = message.pid;
            host.address = message.address;
            clearTimeout(timer);
            log.info({ hostPid: message.pid, address: message.address, generation }, 'executor host is ready');
            readyResolve();
            continue;
          }
          this.options.onMessage(generation, message);
        }
      } catch (error) {
        log.warn({ err: error, generation }, 'executor host control channel failed');
      }
      const result = await subprocess;
      clearTimeout(timer);
      host.gone = true;
      const status = waitStatus(result.exitCode ?? null, (result.signal as NodeJS.Signals | undefined) ?? null);
      const description =
        status !== undefined
          ? describeWaitStatus(status)
          : result.failed && result.cause !== undefined
            ? `failed to start: ${errorText(result.cause)}`
            : 'exited';
      if (!this.closed) log.error({ hostPid: host.pid, generation, status }, `executor host ${description}`);
      readyReject(new Error(`The executor host ${description}`));
      this.options.onExit(generation, status, description);
    })();
    return host;
  }
}
