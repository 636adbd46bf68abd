// validation::executor::call::validate (src/slave/validation.cpp): the rules
// every executor Call must meet. The agent answers a call that breaks them
// with `400 Failed to validate Executor::Call: <error>`; the v1 executor
// library refuses to send one (as src/executor/executor.cpp does). Pure.
// Required fields (executor_id, framework_id, update.status) are enforced
// when the call is decoded.

import { has, mesos } from '../proto/index.js';
import { validateUuidBytes } from './uuid.js';

const Type = mesos.executor.Call.Type;

/** The error text for an invalid v0 executor Call, undefined when it is valid. */
export function validateExecutorCall(call: mesos.executor.Call.$Properties): string | undefined {
  // An enum number this build does not know decodes as a number; protobuf
  // (proto2) would keep it as an unknown field, leaving `type` unset.
  if (!has(call, 'type') || Type[call.type ?? 0] === undefined) return "Expecting 'type' to be present";
  if (!has(call, 'executor_id')) return "Expecting 'executor_id' to be present";
  if (!has(call, 'framework_id')) return "Expecting 'framework_id' to be present";
  const executorId = call.executor_id.value;
  const frameworkId = call.framework_id.value;
  switch (call.type) {
    case Type.SUBSCRIBE:
      return has(call, 'subscribe') ? undefined : "Expecting 'subscribe' to be present";
    case Type.UPDATE: {
      const update = call.update;
      if (update === undefined || update === null || !has(call, 'update')) return "Expecting 'update' to be present";
      const status = update.status;
      if (!has(status, 'uuid')) return "Expecting 'uuid' to be present";
      const uuidError = validateUuidBytes(status.uuid);
      if (uuidError !== undefined) return uuidError;
      if (has(status, 'executor_id') && status.executor_id?.value !== executorId) {
        return `ExecutorID in Call: ${executorId} does not match ExecutorID in TaskStatus: ${status.executor_id?.value ?? ''}`;
      }
      if (status.source !== mesos.TaskStatus.Source.SOURCE_EXECUTOR) {
        return `Received Call from executor ${executorId} of framework ${frameworkId} with invalid source, expecting 'SOURCE_EXECUTOR'`;
      }
      if (status.state === mesos.TaskState.TASK_STAGING) {
        return `Received TASK_STAGING from executor ${executorId} of framework ${frameworkId} which is not allowed`;
      }
      return undefined;
    }
    case Type.MESSAGE:
      return has(call, 'message') ? undefined : "Expecting 'message' to be present";
    default:
      // UNKNOWN: valid; the agent answers 501.
      return undefined;
  }
}
