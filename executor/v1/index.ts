// The v1 executor HTTP library: public surface.

export {
  V1Executor,
  V1ExecutorCallError,
  V1ExecutorError,
  type Call,
  type ContentTypeName,
  type Event,
  type TaskInfo,
  type TaskStatus,
  type Update,
  type V1ExecutorOptions,
  type V1ExecutorState,
} from './executor.js';
export { V1ExecutorDriver, type V1ExecutorDriverOptions } from './driver.js';
export {
  DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS,
  executorUrl,
  parseV1ExecutorEnvironment,
  type V1ExecutorEnvironment,
} from './env.js';
export { ExecutorEnvironmentError } from '../env.js';
