// A small framework on the v1 scheduler HTTP API (scheduler-driver/v1): it
// launches N `echo` tasks on whatever it is offered, acknowledges their status
// updates, and tears itself down once every task has finished.
//
//   node --import tsx examples/v1-framework.ts --master=127.0.0.1:5050 --tasks=5
//   node --import tsx examples/v1-framework.ts --content-type=json
//
// Exits 0 when all tasks finished, 1 when any failed or the master refused it.

import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { mesos } from '../proto/index.js';
import { V1Scheduler, type ContentTypeName } from '../scheduler-driver/v1/index.js';

const EventType = mesos.v1.scheduler.Event.Type;
const CallType = mesos.v1.scheduler.Call.Type;
const TaskState = mesos.v1.TaskState;
const TERMINAL = new Set([TaskState.TASK_FINISHED, TaskState.TASK_FAILED, TaskState.TASK_KILLED, TaskState.TASK_LOST, TaskState.TASK_ERROR]);

export interface EchoFrameworkOptions {
  master: string;
  tasks: number;
  contentType?: ContentTypeName;
  cpusPerTask?: number;
  memPerTask?: number;
  log?: (line: string) => void;
}

export interface EchoFrameworkResult {
  frameworkId: string | undefined;
  finished: number;
  failed: number;
  error: string | undefined;
}

function scalar(resources: readonly mesos.v1.Resource.$Properties[] | null | undefined, name: string): number {
  let total = 0;
  for (const resource of resources ?? []) if (resource.name === name) total += resource.scalar?.value ?? 0;
  return total;
}

function resource(name: string, value: number): mesos.v1.Resource.$Properties {
  return { name, type: mesos.v1.Value.Type.SCALAR, scalar: { value } };
}

/** Runs the framework until all its tasks are done (or the master refuses it). */
export async function runEchoFramework(options: EchoFrameworkOptions): Promise<EchoFrameworkResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const cpus = options.cpusPerTask ?? 0.1;
  const mem = options.memPerTask ?? 32;
  const scheduler = new V1Scheduler({ master: options.master, contentType: options.contentType ?? 'protobuf' });
  const result: EchoFrameworkResult = { frameworkId: undefined, finished: 0, failed: 0, error: undefined };
  let launched = 0;
  // A call can fail while the library reconnects; offers and updates come again then.
  const send = async (call: mesos.v1.scheduler.Call.$Properties): Promise<void> => {
    await scheduler.call(call).catch((error: unknown) => log(`call failed: ${error instanceof Error ? error.message : String(error)}`));
  };
  scheduler.subscribe({ user: os.userInfo().username, name: 'v1 echo framework' });
  try {
    for await (const event of scheduler.events()) {
      switch (event.type) {
        case EventType.SUBSCRIBED:
          result.frameworkId = event.subscribed?.framework_id.value;
          log(`subscribed as ${result.frameworkId ?? '?'}`);
          break;
        case EventType.OFFERS:
          for (const offer of event.offers?.offers ?? []) {
            const fit = Math.min(
              options.tasks - launched,
              Math.floor(scalar(offer.resources, 'cpus') / cpus + 1e-9),
              Math.floor(scalar(offer.resources, 'mem') / mem + 1e-9),
            );
            if (fit <= 0) {
              await send({ type: CallType.DECLINE, decline: { offer_ids: [offer.id], filters: { refuse_seconds: 60 } } });
              continue;
            }
            const tasks: mesos.v1.TaskInfo.$Properties[] = [];
            for (let i = 0; i < fit; i++) {
              const id = `echo-${++launched}`;
              tasks.push({
                name: id,
                task_id: { value: id },
                agent_id: offer.agent_id,
                resources: [resource('cpus', cpus), resource('mem', mem)],
                command: { value: `echo "hello from ${id}"`, shell: true },
              });
            }
            log(`launching ${tasks.map((task) => task.task_id.value).join(', ')} on ${offer.hostname}`);
            await send({
              type: CallType.ACCEPT,
              accept: { offer_ids: [offer.id], operations: [{ type: mesos.v1.Offer.Operation.Type.LAUNCH, launch: { task_infos: tasks } }] },
            });
          }
          break;
        case EventType.UPDATE: {
          const status = event.update?.status;
          if (status === undefined) break;
          log(`${status.task_id.value}: ${TaskState[status.state] ?? status.state}${status.message ? ` (${status.message})` : ''}`);
          if (status.uuid !== undefined && status.uuid !== null && status.uuid.length > 0 && status.agent_id) {
            await send({
              type: CallType.ACKNOWLEDGE,
              acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
            });
          }
          if (TERMINAL.has(status.state)) {
            if (status.state === TaskState.TASK_FINISHED) result.finished++;
            else result.failed++;
          }
          if (result.finished + result.failed >= options.tasks) {
            log(`done: ${result.finished} finished, ${result.failed} failed`);
            await send({ type: CallType.TEARDOWN });
            await scheduler.close();
          }
          break;
        }
        case EventType.ERROR:
          result.error = event.error?.message;
          log(`error: ${result.error ?? '?'}`);
          await scheduler.close();
          break;
        default:
          break;
      }
    }
  } finally {
    await scheduler.close();
  }
  return result;
}

function parseArgs(argv: readonly string[]): EchoFrameworkOptions {
  const options: EchoFrameworkOptions = { master: '127.0.0.1:5050', tasks: 3 };
  for (const arg of argv) {
    const [name, value = ''] = arg.replace(/^--/, '').split('=', 2) as [string, string?];
    if (name === 'master') options.master = value;
    else if (name === 'tasks') options.tasks = Number(value);
    else if (name === 'content-type' && (value === 'json' || value === 'protobuf')) options.contentType = value;
    else throw new Error(`unknown flag '${arg}' (flags: --master=host:port --tasks=N --content-type=json|protobuf)`);
  }
  if (!Number.isInteger(options.tasks) || options.tasks < 1) throw new Error('--tasks must be a positive integer');
  return options;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runEchoFramework(parseArgs(process.argv.slice(2))).then(
    (result) => process.exit(result.error === undefined && result.failed === 0 ? 0 : 1),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
