// Validation of a task a framework launches on offered resources (Mesos 1.0
// src/master/validation.cpp, namespace validation::task). The master calls
// validateTask once per task, in order, and adds each valid task (and its new
// executor) to the framework and agent before validating the next, so a second
// task with the same ID in one ACCEPT fails as a duplicate and a second task
// for the same new executor sees that executor as existing. An error becomes a
// TASK_ERROR status update with REASON_TASK_INVALID (see taskInvalidStatus in
// validation-messages.ts).

import { mesos } from '../proto/index.js';
import { Resources } from '../common/resources.js';
import { has, hasInvalidIdCharacter, idValue } from './validation-common.js';
import { executorInfoEqual } from './validation-equality.js';
import { debugString } from './validation-format.js';
import { validateFrameworkResources, validateUniquePersistenceID } from './validation-resources.js';

type TaskInfo = mesos.TaskInfo.$Properties;
type ExecutorInfo = mesos.ExecutorInfo.$Properties;

/** What task validation reads of the framework (the model's Framework fits). */
export interface TaskValidationFramework {
  readonly id: string;
  /** Tasks the framework has that are not yet removed, by task ID. */
  readonly tasks: ReadonlyMap<string, unknown>;
}

/** What task validation reads of the agent (the model's Agent fits). */
export interface TaskValidationAgent {
  readonly id: string;
  /** frameworkId -> executorId -> ExecutorInfo of executors known to run there. */
  readonly executors: ReadonlyMap<string, ReadonlyMap<string, ExecutorInfo>>;
}

function existingExecutor(agent: TaskValidationAgent, frameworkId: string, executorId: string): ExecutorInfo | undefined {
  return agent.executors.get(frameworkId)?.get(executorId);
}

/**
 * The task with `executor.framework_id` filled in from the framework when
 * missing, as Master::_accept does before validating (the field was added to
 * the API later and is optional). Returns the task itself when nothing changes.
 */
export function withExecutorFrameworkId(task: TaskInfo, frameworkId: string): TaskInfo {
  const executor = task.executor;
  if (!has(task, 'executor') || executor == null || has(executor, 'framework_id')) return task;
  return { ...task, executor: { ...executor, framework_id: { value: frameworkId } } };
}

/** validateTaskID: no control characters, '/' or '\' (1.0 allows any other ID, even empty). */
export function validateTaskID(task: TaskInfo): string | undefined {
  const id = idValue(task.task_id);
  return hasInvalidIdCharacter(id) ? `TaskID '${id}' contains invalid characters` : undefined;
}

/** validateUniqueTaskID: not among the framework's current tasks. */
export function validateUniqueTaskID(task: TaskInfo, framework: TaskValidationFramework): string | undefined {
  const id = idValue(task.task_id);
  return framework.tasks.has(id) ? `Task has duplicate ID: ${id}` : undefined;
}

/** validateSlaveID: the task names the agent the offers are on. */
export function validateSlaveID(task: TaskInfo, agent: TaskValidationAgent): string | undefined {
  const id = idValue(task.slave_id);
  return id !== agent.id ? `Task uses invalid agent ${id} while agent ${agent.id} is expected` : undefined;
}

/**
 * validateExecutorInfo: exactly one of command and executor; the executor's
 * framework ID is the framework's; an executor with the same ID already on the
 * agent is equal to this one; its shutdown grace period is not negative. An
 * unset executor framework ID counts as the framework's (Master::_accept fills
 * it; see withExecutorFrameworkId).
 */
export function validateExecutorInfo(
  task: TaskInfo,
  framework: TaskValidationFramework,
  agent: TaskValidationAgent,
): string | undefined {
  if (has(task, 'executor') === has(task, 'command')) {
    return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
  }
  const executor = task.executor;
  if (!has(task, 'executor') || executor == null) return undefined;
  const filled = has(executor, 'framework_id') ? executor : { ...executor, framework_id: { value: framework.id } };
  const frameworkId = idValue(filled.framework_id);
  if (frameworkId !== framework.id) {
    return `ExecutorInfo has an invalid FrameworkID (Actual: ${frameworkId} vs Expected: ${framework.id})`;
  }
  const existing = existingExecutor(agent, framework.id, idValue(executor.executor_id));
  if (existing !== undefined && !executorInfoEqual(filled, existing)) {
    const rule = '------------------------------------------------------------\n';
    return (
      'Task has invalid ExecutorInfo (existing ExecutorInfo with same ExecutorID is not compatible).\n' +
      rule +
      'Existing ExecutorInfo:\n' +
      `${debugString('mesos.ExecutorInfo', existing)}\n` +
      rule +
      "Task's ExecutorInfo:\n" +
      `${debugString('mesos.ExecutorInfo', filled)}\n` +
      rule
    );
  }
  const grace = executor.shutdown_grace_period;
  if (has(executor, 'shutdown_grace_period') && grace != null && Number(grace.nanoseconds) < 0) {
    return "ExecutorInfo's 'shutdown_grace_period' must be non-negative";
  }
  return undefined;
}

/**
 * validateResources: task and executor resources pass resource validation; per
 * resource name they are all revocable or all not; persistence IDs are unique.
 */
export function validateTaskResources(task: TaskInfo): string | undefined {
  let error = validateFrameworkResources(task.resources);
  if (error !== undefined) return `Task uses invalid resources: ${error}`;
  let total = Resources.fromProto(task.resources ?? []);
  const executor = task.executor;
  if (has(task, 'executor') && executor != null) {
    error = validateFrameworkResources(executor.resources);
    if (error !== undefined) return `Executor uses invalid resources: ${error}`;
    total = total.plus(Resources.fromProto(executor.resources ?? []));
  }
  for (const name of total.names()) {
    const resources = total.get(name);
    const revocable = resources.revocable();
    if (!revocable.isEmpty() && !resources.equals(revocable)) {
      return `Task (and its executor, if exists) uses both revocable and non-revocable ${name}`;
    }
  }
  return validateUniquePersistenceID(total);
}

/** validateKillPolicy: the grace period is not negative. */
export function validateKillPolicy(task: TaskInfo): string | undefined {
  const grace = task.kill_policy?.grace_period;
  if (has(task, 'kill_policy') && grace != null && Number(grace.nanoseconds) < 0) {
    return "Task's 'kill_policy.grace_period' must be non-negative";
  }
  return undefined;
}

/**
 * validateResourceUsage: the task uses some resources, and the task plus its
 * executor (when the executor is not yet on the agent) fit in `offered`.
 * (Mesos also logs a warning when an executor has less than 0.01 cpus or 32 MB
 * of memory; it does not reject the task.)
 */
export function validateResourceUsage(
  task: TaskInfo,
  framework: TaskValidationFramework,
  agent: TaskValidationAgent,
  offered: Resources,
): string | undefined {
  const taskResources = Resources.fromProto(task.resources ?? []);
  if (taskResources.isEmpty()) return 'Task uses no resources';
  let total = taskResources;
  const executor = task.executor;
  if (has(task, 'executor') && executor != null) {
    if (existingExecutor(agent, framework.id, idValue(executor.executor_id)) === undefined) {
      total = total.plus(Resources.fromProto(executor.resources ?? []));
    }
  }
  if (!offered.contains(total)) {
    return `Task uses more resources ${total.toString()} than available ${offered.toString()}`;
  }
  return undefined;
}

/**
 * validation::task::validate: the rules above in Mesos's order (later rules
 * assume the earlier ones passed); the first error wins. `offered` is what is
 * left of the offers after the operations and tasks before this one.
 */
export function validateTask(
  task: TaskInfo,
  framework: TaskValidationFramework,
  agent: TaskValidationAgent,
  offered: Resources,
): string | undefined {
  return (
    validateTaskID(task) ??
    validateUniqueTaskID(task, framework) ??
    validateSlaveID(task, agent) ??
    validateExecutorInfo(task, framework, agent) ??
    validateTaskResources(task) ??
    validateKillPolicy(task) ??
    validateResourceUsage(task, framework, agent, offered)
  );
}
