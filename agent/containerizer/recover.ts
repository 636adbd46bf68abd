// Which checkpointed executors the Mesos containerizer takes over after an agent restart
// (MesosContainerizerProcess::recover in Mesos 1.0): for every executor, only its latest
// run, and only if that run has a checkpointed forked pid, is not completed, and the
// executor is not a Docker one. Pure: the caller acts on the result.

import { mesos } from '../../proto/index.js';
import { getExecutorRunPath } from '../paths.js';
import type { RecoverExecutorState, RecoverFrameworkState, RecoverState } from './containerizer.js';
import type { ContainerState } from './isolator.js';

export interface RecoverablePlan {
  containers: ContainerState[];
  /** Why executors were skipped, for the log. */
  skipped: string[];
}

function values<T>(collection: ReadonlyMap<string, T> | Iterable<T>): Iterable<T> {
  return collection instanceof Map ? (collection as ReadonlyMap<string, T>).values() : (collection as Iterable<T>);
}

export function recoverableContainers(state: RecoverState | undefined, workDir: string): RecoverablePlan {
  const plan: RecoverablePlan = { containers: [], skipped: [] };
  if (!state) return plan;
  for (const framework of values<RecoverFrameworkState>(state.frameworks)) {
    for (const executor of values<RecoverExecutorState>(framework.executors)) {
      const what = `executor '${executor.id}' of framework ${framework.id}`;
      if (!executor.info) {
        plan.skipped.push(`Skipping recovery of ${what} because its info could not be recovered`);
        continue;
      }
      if (executor.latest === undefined) {
        plan.skipped.push(`Skipping recovery of ${what} because its latest run could not be recovered`);
        continue;
      }
      const containerId = executor.latest;
      const run = executor.runs.get(containerId);
      // Without a pid nothing can be watched; the agent's wait() then fails and it cleans up.
      if (!run || run.forkedPid === undefined) continue;
      if (run.completed) {
        plan.skipped.push(`Skipping recovery of ${what} because its latest run ${containerId} is completed`);
        continue;
      }
      const container = executor.info.container;
      if (container && (container.type ?? mesos.ContainerInfo.Type.MESOS) !== mesos.ContainerInfo.Type.MESOS) {
        plan.skipped.push(`Skipping recovery of ${what} because it was not launched from mesos containerizer`);
        continue;
      }
      plan.containers.push({
        executor_info: executor.info,
        container_id: { value: run.id ?? containerId },
        pid: run.forkedPid,
        directory: getExecutorRunPath(workDir, state.id, framework.id, executor.id, containerId),
      });
    }
  }
  return plan;
}
