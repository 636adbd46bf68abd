// Task state facts shared by master and agent (src/common/protobuf_utils.cpp).

import { mesos } from '../proto/index.js';

const TERMINAL = new Set<number>([
  mesos.TaskState.TASK_FINISHED,
  mesos.TaskState.TASK_FAILED,
  mesos.TaskState.TASK_KILLED,
  mesos.TaskState.TASK_LOST,
  mesos.TaskState.TASK_ERROR,
]);

/** protobuf::isTerminalState. */
export function isTerminalState(state: number | null | undefined): boolean {
  return TERMINAL.has(state ?? -1);
}

export type TaskStateName = keyof typeof mesos.TaskState;

export function taskStateName(state: number | null | undefined): string {
  return mesos.TaskState[state ?? mesos.TaskState.TASK_STAGING] ?? 'TASK_STAGING';
}
