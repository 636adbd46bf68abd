// v0 agent -> executor messages as v1 executor events, for executors
// subscribed through the executor HTTP API (Mesos 1.0 src/internal/evolve.cpp,
// the `evolve(const XMessage&)` overloads HttpConnection::send uses in
// src/slave/slave.hpp).
//
// The agent decides what to tell an executor as it always did, building the
// message a driver-based executor gets, and executors.sendToExecutor either
// sends that to the executor's pid or writes the event made here on its
// stream. v0 and v1 share field numbers, so nested messages convert by
// re-encoding (common/evolve.ts).

import { messageName, type Encoder } from '../../libprocess/process.js';
import { has, mesos } from '../../proto/index.js';
import { evolve } from '../../common/evolve.js';

export type ExecutorEvent = mesos.v1.executor.Event.$Properties;

const Type = mesos.v1.executor.Event.Type;
const m = mesos.internal;

/**
 * The v1 event for the v0 message named `name` (its full protobuf name) with
 * wire bytes `bytes`; undefined for messages an executor never gets.
 */
export function executorEvent(name: string, bytes: Uint8Array): ExecutorEvent | undefined {
  switch (name) {
    case 'mesos.internal.ExecutorRegisteredMessage': {
      const message = m.ExecutorRegisteredMessage.decode(bytes);
      return {
        type: Type.SUBSCRIBED,
        subscribed: {
          executor_info: evolve(mesos.ExecutorInfo, mesos.v1.ExecutorInfo, message.executor_info),
          framework_info: evolve(mesos.FrameworkInfo, mesos.v1.FrameworkInfo, message.framework_info),
          agent_info: evolve(mesos.SlaveInfo, mesos.v1.AgentInfo, message.slave_info),
        },
      };
    }
    case 'mesos.internal.RunTaskMessage':
      return { type: Type.LAUNCH, launch: { task: evolve(mesos.TaskInfo, mesos.v1.TaskInfo, m.RunTaskMessage.decode(bytes).task) } };
    case 'mesos.internal.KillTaskMessage': {
      const message = m.KillTaskMessage.decode(bytes);
      const kill: mesos.v1.executor.Event.Kill.$Properties = { task_id: evolve(mesos.TaskID, mesos.v1.TaskID, message.task_id) };
      if (has(message, 'kill_policy') && message.kill_policy) {
        kill.kill_policy = evolve(mesos.KillPolicy, mesos.v1.KillPolicy, message.kill_policy);
      }
      return { type: Type.KILL, kill };
    }
    case 'mesos.internal.StatusUpdateAcknowledgementMessage': {
      const message = m.StatusUpdateAcknowledgementMessage.decode(bytes);
      return {
        type: Type.ACKNOWLEDGED,
        acknowledged: { task_id: evolve(mesos.TaskID, mesos.v1.TaskID, message.task_id), uuid: message.uuid },
      };
    }
    case 'mesos.internal.FrameworkToExecutorMessage':
      return { type: Type.MESSAGE, message: { data: m.FrameworkToExecutorMessage.decode(bytes).data } };
    case 'mesos.internal.ShutdownExecutorMessage':
      return { type: Type.SHUTDOWN };
    case 'mesos.executor.Event':
      // An event built as such (e.g. ERROR): the v0 and v1 events share the wire.
      return { ...mesos.v1.executor.Event.decode(bytes) };
    default:
      return undefined;
  }
}

/** executorEvent for a message about to be sent with codec `type`. */
export function executorEventOf<P>(type: Encoder<P>, message: P): ExecutorEvent | undefined {
  return executorEvent(messageName(type), type.encode(message).finish());
}
