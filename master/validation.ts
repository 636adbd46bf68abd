// The master's validation rules, as pure functions (Mesos 1.0
// src/master/validation.cpp and the inline checks of src/master/master.cpp).
// Each returns undefined when the input is valid, else the error text Mesos
// uses. This file holds the call and framework rules and re-exports the rest:
//
//   validation-resources.ts  resources a framework or operator sends
//   validation-task.ts       a task launched on offered resources
//   validation-offer.ts      offers of an ACCEPT, RESERVE/UNRESERVE/CREATE/DESTROY
//   validation-messages.ts   master-generated task statuses, sender / agent / kill checks
//   validation-equality.ts   ExecutorInfo equality (src/common/type_utils.cpp)
//   validation-format.ts     "%g" doubles and protobuf DebugString for messages
//
// docs/master-validation.md lists every rule with its Mesos source.

import { mesos, missingRequiredFields } from '../proto/index.js';
import { validateResources } from '../common/resources.js';
import { DEFAULT_ROLE, isWhitelistedRole, validateRole, type RoleWhitelist } from '../common/roles.js';
import { has, idValue, validateUuidBytes } from './validation-common.js';
import { formatG } from './validation-format.js';

export * from './validation-resources.js';
export * from './validation-task.js';
export * from './validation-offer.js';
export * from './validation-messages.js';
export { executorInfoEqual } from './validation-equality.js';
export { hasInvalidIdCharacter, validateUuidBytes } from './validation-common.js';

// ----------------------------------------------------------- scheduler calls

type SchedulerCall = mesos.scheduler.Call.$Properties;
type SchedulerCallType = keyof typeof mesos.scheduler.Call.Type;

/** The sub-message each scheduler call type needs (null: none). */
const SCHEDULER_CALL_FIELDS: Readonly<Record<SchedulerCallType, keyof SchedulerCall | null>> = {
  UNKNOWN: null,
  SUBSCRIBE: 'subscribe',
  TEARDOWN: null,
  ACCEPT: 'accept',
  DECLINE: 'decline',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  REVIVE: null,
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  RECONCILE: 'reconcile',
  MESSAGE: 'message',
  REQUEST: 'request',
  SUPPRESS: null,
};

function typeName<E extends Record<string, string | number>>(enumObject: E, value: unknown): keyof E | undefined {
  if (typeof value !== 'number') return undefined;
  const name = (enumObject as Record<number, string | undefined>)[value];
  return name === undefined ? undefined : (name as keyof E);
}

/**
 * "Authenticated principal 'p' does not match principal 'q' set in
 * `FrameworkInfo`" (validation::scheduler::call::validate for SUBSCRIBE, and
 * the HTTP scheduler endpoint for the other calls).
 */
export function principalMismatchError(authenticated: string, frameworkPrincipal: string): string {
  return (
    `Authenticated principal '${authenticated}' does not match principal '${frameworkPrincipal}' ` +
    'set in `FrameworkInfo`'
  );
}

/**
 * validation::scheduler::call::validate: required fields are set, the type is
 * set, SUBSCRIBE carries `subscribe` with `framework_info.id` equal to the
 * call's `framework_id` (both may be unset) and a principal matching the
 * authenticated one; every other call carries `framework_id` and the
 * sub-message of its type; ACKNOWLEDGE carries a valid UUID. The driver path
 * drops an invalid call (logged); the HTTP API answers 400 "Failed to validate
 * scheduler::Call: <error>". `principal` is the authenticated principal, if any.
 */
export function validateSchedulerCall(call: SchedulerCall, principal?: string): string | undefined {
  const missing = missingRequiredFields(mesos.scheduler.Call, call);
  if (missing.length > 0) return `Not initialized: ${missing.join(', ')}`;
  const type = has(call, 'type') ? typeName(mesos.scheduler.Call.Type, call.type) : undefined;
  if (type === undefined) return "Expecting 'type' to be present";

  if (type === 'SUBSCRIBE') {
    const subscribe = call.subscribe;
    if (!has(call, 'subscribe') || subscribe == null) return "Expecting 'subscribe' to be present";
    const info = subscribe.framework_info;
    if (idValue(info.id) !== idValue(call.framework_id)) {
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    }
    if (principal !== undefined && has(info, 'principal') && info.principal !== principal) {
      return principalMismatchError(principal, info.principal ?? '');
    }
    return undefined;
  }

  if (!has(call, 'framework_id')) return "Expecting 'framework_id' to be present";
  const field = SCHEDULER_CALL_FIELDS[type];
  if (field !== null && !has(call, field)) return `Expecting '${field}' to be present`;
  if (type === 'ACKNOWLEDGE') return validateUuidBytes(call.acknowledge?.uuid);
  return undefined;
}

// ------------------------------------------------------------ operator calls

type MasterCall = mesos.master.Call.$Properties;
type MasterCallType = keyof typeof mesos.master.Call.Type;

/** The sub-message each operator call type needs (null: none). */
const MASTER_CALL_FIELDS: Readonly<Record<MasterCallType, keyof MasterCall | null>> = {
  UNKNOWN: null,
  GET_HEALTH: null,
  GET_FLAGS: null,
  GET_VERSION: null,
  GET_METRICS: 'get_metrics',
  GET_LOGGING_LEVEL: null,
  SET_LOGGING_LEVEL: 'set_logging_level',
  LIST_FILES: 'list_files',
  READ_FILE: 'read_file',
  GET_STATE: null,
  GET_AGENTS: null,
  GET_FRAMEWORKS: null,
  GET_EXECUTORS: null,
  GET_TASKS: null,
  GET_ROLES: null,
  GET_WEIGHTS: null,
  UPDATE_WEIGHTS: 'update_weights',
  GET_MASTER: null,
  SUBSCRIBE: null,
  RESERVE_RESOURCES: 'reserve_resources',
  UNRESERVE_RESOURCES: 'unreserve_resources',
  CREATE_VOLUMES: 'create_volumes',
  DESTROY_VOLUMES: 'destroy_volumes',
  GET_MAINTENANCE_STATUS: null,
  GET_MAINTENANCE_SCHEDULE: null,
  UPDATE_MAINTENANCE_SCHEDULE: 'update_maintenance_schedule',
  START_MAINTENANCE: 'start_maintenance',
  STOP_MAINTENANCE: 'stop_maintenance',
  GET_QUOTA: null,
  SET_QUOTA: 'set_quota',
  REMOVE_QUOTA: 'remove_quota',
};

/**
 * validation::master::call::validate (the v1 operator API): required fields,
 * the type, the sub-message of the type, and for RESERVE_RESOURCES /
 * UNRESERVE_RESOURCES valid resources (Resources::validate's message).
 */
export function validateMasterCall(call: MasterCall): string | undefined {
  const missing = missingRequiredFields(mesos.master.Call, call);
  if (missing.length > 0) return `Not initialized: ${missing.join(', ')}`;
  const type = has(call, 'type') ? typeName(mesos.master.Call.Type, call.type) : undefined;
  if (type === undefined) return "Expecting 'type' to be present";
  const field = MASTER_CALL_FIELDS[type];
  if (field !== null && !has(call, field)) return `Expecting '${field}' to be present`;
  if (type === 'RESERVE_RESOURCES') return validateResources(call.reserve_resources?.resources ?? []);
  if (type === 'UNRESERVE_RESOURCES') return validateResources(call.unreserve_resources?.resources ?? []);
  return undefined;
}

// -------------------------------------------------------------- frameworks

/** isValidFailoverTimeout: Duration::create accepts it (|seconds| * 1e9 fits an int64; NaN passes). */
export function isValidFailoverTimeout(seconds: number): boolean {
  const nanoseconds = seconds * 1e9;
  return !(nanoseconds > 2 ** 63 || nanoseconds < -(2 ** 63));
}

function isWhitelisted(whitelist: ReadonlySet<string> | RoleWhitelist | undefined, role: string): boolean {
  if (whitelist === undefined || role === DEFAULT_ROLE) return true;
  return 'roles' in whitelist ? isWhitelistedRole(whitelist, role) : whitelist.has(role);
}

export interface FrameworkValidationContext {
  /**
   * The master's `--roles` whitelist (undefined when the flag is not set). The
   * default role `*` is always allowed, as Master::initialize adds it.
   */
  readonly rolesWhitelist?: ReadonlySet<string> | RoleWhitelist | undefined;
  /** The master's `--root_submissions` flag. */
  readonly rootSubmissions: boolean;
  /** True for the ID of a completed (removed) framework. */
  readonly isCompletedFramework: (frameworkId: string) => boolean;
}

/**
 * The checks of Master::subscribe before authorization, in Mesos's order: a
 * valid role, whitelisted when `--roles` is set, not user root without
 * `--root_submissions`, not a completed framework's ID, a failover timeout a
 * Duration can hold. The error goes to the framework in a
 * FrameworkErrorMessage (HTTP: as an ERROR event, then the stream closes).
 */
export function validateFrameworkInfo(
  info: mesos.FrameworkInfo.$Properties,
  context: FrameworkValidationContext,
): string | undefined {
  const role = info.role ?? '*';
  const roleError = validateRole(role);
  if (roleError !== undefined) return roleError;
  if (!isWhitelisted(context.rolesWhitelist, role)) {
    return `Role '${role}' is not present in the master's --roles`;
  }
  if (info.user === 'root' && !context.rootSubmissions) {
    return "User 'root' is not allowed to run frameworks without --root_submissions set";
  }
  if (has(info, 'id') && context.isCompletedFramework(idValue(info.id))) return 'Framework has been removed';
  const timeout = info.failover_timeout ?? 0;
  if (!isValidFailoverTimeout(timeout)) {
    return `The framework failover_timeout (${formatG(timeout)}) is invalid`;
  }
  return undefined;
}

/**
 * Master::validateFrameworkAuthentication (driver subscriptions only, after
 * validateFrameworkInfo): no authentication in flight from the pid, the pid
 * authenticated when `--authenticate_frameworks`, and a principal in
 * FrameworkInfo equal to the authenticated one. `authenticatedPrincipal` is the
 * principal the pid authenticated as, undefined when it did not.
 */
export function validateFrameworkAuthentication(
  info: mesos.FrameworkInfo.$Properties,
  context: {
    readonly from: { toString(): string };
    readonly authenticating: boolean;
    readonly authenticateFrameworks: boolean;
    readonly authenticatedPrincipal: string | undefined;
  },
): string | undefined {
  if (context.authenticating) return 'Re-authentication in progress';
  if (context.authenticateFrameworks && context.authenticatedPrincipal === undefined) {
    return `Framework at ${context.from.toString()} is not authenticated`;
  }
  if (
    has(info, 'principal') &&
    context.authenticatedPrincipal !== undefined &&
    info.principal !== context.authenticatedPrincipal
  ) {
    return (
      `Framework principal '${info.principal ?? ''}' does not match authenticated principal ` +
      `'${context.authenticatedPrincipal}'`
    );
  }
  return undefined;
}

/** Master::registerFramework (RegisterFrameworkMessage): the FrameworkInfo has no ID yet. */
export function validateRegisterFramework(info: mesos.FrameworkInfo.$Properties): string | undefined {
  return has(info, 'id') && idValue(info.id) !== '' ? "Registering with 'id' already set" : undefined;
}

/** Master::reregisterFramework (ReregisterFrameworkMessage): the FrameworkInfo has an ID. */
export function validateReregisterFramework(info: mesos.FrameworkInfo.$Properties): string | undefined {
  return has(info, 'id') && idValue(info.id) !== '' ? undefined : "Re-registering without an 'id'";
}
