// `mesos-executor-host`: the shared command executor host process the agent starts with
// `--shared_command_executor` (see executor/host.ts). Not meant to be run by hand: it
// needs the IPC channel the agent opens (execa's `ipc: true`). It starts one libprocess
// runtime (LIBPROCESS_IP / LIBPROCESS_PORT from its environment), says `ready`, and then
// serves the agent's control messages until the channel closes or it gets SIGTERM,
// SIGINT or SIGHUP: then it kills every hosted task's tree, reaps them and exits 0.

import { getEachMessage, sendMessage } from 'execa';
import { createLogger, startRuntime } from '../libprocess/index.js';
import type { HostToAgent } from '../agent/containerizer/executor-host-protocol.js';
import { ExecutorHost } from './host.js';

if (process.channel === undefined) {
  process.stderr.write('mesos-executor-host is started by the agent (--shared_command_executor) over an IPC channel\n');
  process.exit(1);
}

const log = createLogger({ name: 'mesos-executor-host' });
const runtime = await startRuntime({ env: process.env, log }).catch((error: unknown) => {
  process.stderr.write(`Failed to initialize: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

const send = (message: HostToAgent): void => {
  sendMessage(message).catch((error: unknown) => {
    log.debug({ err: error, type: message.type }, 'could not send a control message: the agent is gone');
  });
};
const host = new ExecutorHost(runtime, send, { log });

let stopping: Promise<never> | undefined;
const stop = (why: string): Promise<never> => {
  stopping ??= (async (): Promise<never> => {
    log.info({ executors: host.size }, `${why}: ending every hosted executor`);
    await host.shutdown();
    await runtime.shutdown().catch(() => undefined);
    process.exit(0);
  })();
  return stopping;
};
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(`Received ${signal}`));

log.info({ address: runtime.address, osPid: process.pid }, 'Executor host started');
send({ type: 'ready', pid: process.pid, address: runtime.address });
try {
  for await (const message of getEachMessage()) host.handle(message);
} catch (error) {
  log.error({ err: error }, 'control channel failed');
}
await stop('The agent closed the control channel');
