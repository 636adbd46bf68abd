// The v1 scheduler HTTP library: public surface.

export { V1Scheduler, type Call, type ContentTypeName, type Event, type FrameworkInfo, type V1SchedulerOptions, type V1SchedulerState } from './scheduler.js';
export { V1CallError, V1SchedulerError, schedulerUrl } from './http.js';
export { EventQueue } from '../../common/event-queue.js';
