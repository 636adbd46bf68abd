// A custom executor written on the v1 executor library (executor/v1/), run by
// a real agent in tests/agent/executor-http-e2e.test.ts. For each task it
// reports TASK_RUNNING, tells the framework `started <task id>` (a MESSAGE
// call), and finishes the task with TASK_FINISHED carrying the task's data
// back in the status; a task whose data is `wait` runs until killed
// (TASK_KILLED) or until a framework message `finish` arrives. It exits 0
// once every update it sent was acknowledged and it has no task left, or on
// SHUTDOWN (killing its tasks first).
//
// Started by the agent as `<node> --import <tsx> <this file>`, with the
// MESOS_* environment; V1_TEST_CONTENT_TYPE=json makes it speak JSON.

import { mesos } from '../../proto/index.js';
import { V1Executor, type Event } from '../../executor/v1/index.js';

const EventType = mesos.v1.executor.Event.Type;
const TaskState = mesos.v1.TaskState;

const executor = new V1Executor({ contentType: process.env['V1_TEST_CONTENT_TYPE'] === 'json' ? 'json' : 'protobuf' });
const running = new Set<string>();

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function finishIfDone(): Promise<void> {
  if (running.size > 0 || executor.unacknowledgedUpdates.length > 0) return;
  say('All updates acknowledged; exiting');
  await executor.close();
  process.exit(0);
}

async function handle(event: Event): Promise<void> {
  switch (event.type) {
    case EventType.SUBSCRIBED:
      say(`Subscribed on ${event.subscribed?.agent_info.hostname ?? ''} as ${event.subscribed?.executor_info.executor_id.value ?? ''}`);
      return;
    case EventType.LAUNCH: {
      const task = event.launch?.task;
      if (task === undefined) return;
      const id = task.task_id.value;
      running.add(id);
      await executor.update({ task_id: task.task_id, state: TaskState.TASK_RUNNING });
      await executor.message(`started ${id}`);
      if (Buffer.from(task.data ?? []).toString() === 'wait') return;
      running.delete(id);
      await executor.update({ task_id: task.task_id, state: TaskState.TASK_FINISHED, data: task.data ?? new Uint8Array(), message: 'echoed' });
      return;
    }
    case EventType.KILL: {
      const id = event.kill?.task_id.value ?? '';
      if (!running.delete(id)) return;
      await executor.update({ task_id: { value: id }, state: TaskState.TASK_KILLED, message: 'killed by the framework' });
      return;
    }
    case EventType.MESSAGE: {
      if (Buffer.from(event.message?.data ?? []).toString() !== 'finish') return;
      for (const id of [...running]) {
        running.delete(id);
        await executor.update({ task_id: { value: id }, state: TaskState.TASK_FINISHED, message: 'finished on request' });
      }
      return;
    }
    case EventType.ACKNOWLEDGED:
      await finishIfDone();
      return;
    case EventType.SHUTDOWN:
      say('Shutting down');
      for (const id of [...running]) {
        running.delete(id);
        await executor.update({ task_id: { value: id }, state: TaskState.TASK_KILLED, message: 'executor shut down' }).catch(() => undefined);
      }
      await executor.close();
      process.exit(0);
      return;
    case EventType.ERROR:
      say(`Error: ${event.error?.message ?? ''}`);
      return;
    default:
      return;
  }
}

executor.start();
for await (const event of executor.events()) {
  try {
    await handle(event);
  } catch (error) {
    say(`Failed to handle ${EventType[event.type]}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
process.exit(1);
