// The checks Mesos 1.0's master makes inline in its message handlers
// (src/master/master.cpp), as pure decisions with the exact texts frameworks
// and agents see: task statuses the master generates when it refuses a launch,
// the FrameworkErrorMessage / drop decisions for driver calls, ShutdownMessage
// texts for agents, and the outcome of KILL, ACKNOWLEDGE and status updates.
// The handlers do the I/O and count the metrics named here.

import { mesos } from '../proto/index.js';
import { has, idValue, validateUuidBytes } from './validation-common.js';

// ------------------------------------------------------------ task statuses

/** A status update the master itself generates (source SOURCE_MASTER). */
export interface MasterTaskStatus {
  readonly state: mesos.TaskState;
  /** Absent for "Killed pending task", which Mesos sends without a reason. */
  readonly reason?: mesos.TaskStatus.Reason;
  readonly message: string;
}

const State = mesos.TaskState;
const Reason = mesos.TaskStatus.Reason;

/** Master::accept: every LAUNCH task of an ACCEPT whose offers failed validation. */
export function invalidOffersStatus(error: string): MasterTaskStatus {
  return {
    state: State.TASK_LOST,
    reason: Reason.REASON_INVALID_OFFERS,
    message: `Task launched with invalid offers: ${error}`,
  };
}

/** Master::_accept: a task that failed validateTask. */
export function invalidTaskStatus(error: string): MasterTaskStatus {
  return { state: State.TASK_ERROR, reason: Reason.REASON_TASK_INVALID, message: error };
}

/**
 * Master::_accept: a task the authorizer refused (`failure` set when the
 * authorization itself failed). The user is the task's command user, else the
 * executor's command user, else the framework's user.
 */
export function unauthorizedTaskStatus(
  task: mesos.TaskInfo.$Properties,
  frameworkInfo: mesos.FrameworkInfo.$Properties,
  failure?: string,
): MasterTaskStatus {
  let user = frameworkInfo.user;
  const command = task.command;
  const executorCommand = task.executor?.command;
  if (has(task, 'command') && command != null && has(command, 'user')) user = command.user ?? '';
  else if (has(task, 'executor') && executorCommand != null && has(executorCommand, 'user')) {
    user = executorCommand.user ?? '';
  }
  return {
    state: State.TASK_ERROR,
    reason: Reason.REASON_TASK_UNAUTHORIZED,
    message: failure !== undefined ? `Authorization failure: ${failure}` : `Not authorized to launch as user '${user}'`,
  };
}

/** Master::_accept: the agent went away while the ACCEPT was being authorized. */
export function agentGoneStatus(removed: boolean): MasterTaskStatus {
  return removed
    ? { state: State.TASK_LOST, reason: Reason.REASON_SLAVE_REMOVED, message: 'Agent removed' }
    : { state: State.TASK_LOST, reason: Reason.REASON_SLAVE_DISCONNECTED, message: 'Agent disconnected' };
}

// ---------------------------------------------------------- authorization

/** An authorizer answer: allowed, refused, or the authorization failed. */
export type AuthorizationOutcome = boolean | { readonly failure: string };

/** Master::_subscribe: the FrameworkErrorMessage for a refused subscription, if any. */
export function frameworkAuthorizationError(role: string, outcome: AuthorizationOutcome): string | undefined {
  if (typeof outcome === 'object') return `Authorization failure: ${outcome.failure}`;
  return outcome ? undefined : `Not authorized to use role '${role}'`;
}

const OPERATION_ACTIONS: Readonly<Partial<Record<mesos.Offer.Operation.Type, string>>> = {
  [mesos.Offer.Operation.Type.RESERVE]: 'reserve resources',
  [mesos.Offer.Operation.Type.UNRESERVE]: 'unreserve resources',
  [mesos.Offer.Operation.Type.CREATE]: 'create persistent volumes',
  [mesos.Offer.Operation.Type.DESTROY]: 'destroy persistent volumes',
};

/**
 * Master::_accept: why a RESERVE / UNRESERVE / CREATE / DESTROY is dropped for
 * authorization (logged only). `principal` is FrameworkInfo.principal ("" when unset).
 */
export function operationAuthorizationError(
  type: mesos.Offer.Operation.Type,
  principal: string,
  outcome: AuthorizationOutcome,
): string | undefined {
  const action = OPERATION_ACTIONS[type];
  if (action === undefined || outcome === true) return undefined;
  if (typeof outcome === 'object') {
    return `Authorization of principal '${principal}' to ${action} failed: ${outcome.failure}`;
  }
  return `Not authorized to ${action} as '${principal}'`;
}

// ------------------------------------------------------- framework messages

/** What the master knows of a framework for sender checks; the model's Framework fits. */
export interface SenderFramework {
  readonly pid: { toString(): string } | undefined;
  readonly connected: boolean;
}

/** Drop the message (log it), or answer with a FrameworkErrorMessage. */
export type SenderCheck = { readonly drop: string } | { readonly frameworkError: string } | undefined;

/**
 * Master::receive (a scheduler::Call from a driver, after call validation):
 * the framework exists, the call comes from its pid, and it is connected.
 */
export function checkDriverCallSender(framework: SenderFramework | undefined, from: { toString(): string }): SenderCheck {
  if (framework === undefined) return { drop: 'Framework cannot be found' };
  if (framework.pid?.toString() !== from.toString()) return { drop: 'Call is not from registered framework' };
  if (!framework.connected) return { frameworkError: 'Framework disconnected' };
  return undefined;
}

/**
 * The older per-message handlers (launchTasks, killTask, reviveOffers,
 * deactivateFramework, resourceRequest, reconcileTasks, unregisterFramework, ...)
 * only log and ignore a message from an unknown framework or another pid.
 */
export function checkDriverMessageSender(
  framework: SenderFramework | undefined,
  from: { toString(): string },
): 'unknown framework' | 'not from framework pid' | undefined {
  if (framework === undefined) return 'unknown framework';
  if (framework.pid?.toString() !== from.toString()) return 'not from framework pid';
  return undefined;
}

// ------------------------------------------------------------------- KILL

/** What Master::kill does with a KILL call. */
export type KillDecision =
  /** The task is still being authorized: drop it and send TASK_KILLED "Killed pending task". */
  | { readonly action: 'kill-pending'; readonly status: MasterTaskStatus }
  /** The master does not know the task: reconcile it (the framework gets TASK_LOST or its state). */
  | { readonly action: 'reconcile' }
  /** The call names another agent than the task's: ignored (logged). */
  | { readonly action: 'ignore'; readonly reason: string }
  /** Send KillTaskMessage to the task's agent (only when it is connected; it is remembered either way). */
  | { readonly action: 'kill'; readonly agentId: string };

export function decideKill(
  kill: mesos.scheduler.Call.Kill.$Properties,
  framework: { readonly pendingTasks: ReadonlySet<string> | ReadonlyMap<string, unknown> },
  task: { readonly slave_id: mesos.SlaveID.$Properties } | undefined,
): KillDecision {
  const taskId = idValue(kill.task_id);
  if (framework.pendingTasks.has(taskId)) {
    return { action: 'kill-pending', status: { state: State.TASK_KILLED, message: 'Killed pending task' } };
  }
  if (task === undefined) return { action: 'reconcile' };
  const agentId = idValue(task.slave_id);
  if (has(kill, 'slave_id') && idValue(kill.slave_id) !== agentId) {
    return { action: 'ignore', reason: `it belongs to different agent ${agentId}` };
  }
  return { action: 'kill', agentId };
}

// ------------------------------------------------------------ ACKNOWLEDGE

/**
 * Master::statusUpdateAcknowledgement / Master::acknowledge: why an
 * acknowledgement is ignored (each counts in
 * master/invalid_status_update_acknowledgements), or undefined to forward it.
 */
export function checkAcknowledgement(input: {
  readonly uuid: Uint8Array | null | undefined;
  readonly agent: { readonly connected: boolean } | undefined;
  /** The acknowledged task's status_update_state is set (the update came through this master). */
  readonly taskUpdateKnown: boolean | undefined;
}): string | undefined {
  const uuidError = validateUuidBytes(input.uuid);
  if (uuidError !== undefined) return uuidError;
  if (input.agent === undefined) return 'agent is not registered';
  if (!input.agent.connected) return 'agent is disconnected';
  if (input.taskUpdateKnown === false) return 'the update was not sent by this master';
  return undefined;
}

// ------------------------------------------------------- agent messages

/** Agent-originated messages the master refuses from a removed agent, with the ShutdownMessage text. */
export const UNKNOWN_AGENT_SHUTDOWN = {
  statusUpdate: 'Status update from unknown agent',
  executorMessage: 'Executor message from unknown agent',
  updateSlave: 'Update agent message from unknown agent',
  exitedExecutor: 'Executor exited message from unknown agent',
} as const;

/** What the master does with a message from an agent. */
export type AgentMessageCheck =
  | { readonly action: 'shutdown'; readonly message: string }
  | { readonly action: 'ignore'; readonly reason: 'unknown agent' | 'unknown framework' }
  | undefined;

/**
 * StatusUpdateMessage, ExecutorToFrameworkMessage, UpdateSlaveMessage,
 * ExitedExecutorMessage: a removed agent is told to shut down, an unregistered
 * one is ignored; status updates and executor messages also need a known
 * framework. All ignored status updates count in master/invalid_status_updates
 * (as does a valid one whose task the master does not know, after forwarding).
 */
export function checkAgentMessage(
  kind: keyof typeof UNKNOWN_AGENT_SHUTDOWN,
  input: { readonly agentRemoved: boolean; readonly agentRegistered: boolean; readonly frameworkKnown?: boolean },
): AgentMessageCheck {
  if (input.agentRemoved) return { action: 'shutdown', message: UNKNOWN_AGENT_SHUTDOWN[kind] };
  if (!input.agentRegistered) return { action: 'ignore', reason: 'unknown agent' };
  if ((kind === 'statusUpdate' || kind === 'executorMessage') && input.frameworkKnown === false) {
    return { action: 'ignore', reason: 'unknown framework' };
  }
  return undefined;
}

/** The ShutdownMessage texts of agent (re-)registration (Master::registerSlave, reregisterSlave and their registrar callbacks). */
export const AGENT_REGISTRATION_SHUTDOWN = {
  notAuthenticated: 'Agent is not authenticated',
  machineDown: 'Machine is `DOWN`',
  removed: 'Agent attempted to re-register after removal',
  changedAddress: 'Agent attempted to re-register with different IP / hostname',
  duplicateId: (agentId: string) => `Agent attempted to register but got duplicate agent id ${agentId}`,
  unknownId: (agentId: string) => `Agent attempted to re-register with unknown agent id ${agentId}`,
} as const;

/**
 * RegisterSlaveMessage / ReregisterSlaveMessage admission, in Mesos's order:
 * authentication (when --authenticate_agents), the machine not DOWN for
 * maintenance, and for re-registration the agent not removed and, if it is
 * registered, the same IP and hostname as before. Returns the ShutdownMessage
 * text, or undefined to proceed. (A registration from an agent still
 * authenticating is queued by the caller before this check.)
 */
export function checkAgentAdmission(input: {
  readonly authenticateAgents: boolean;
  readonly authenticated: boolean;
  readonly machineDown: boolean;
  /** Re-registration only: the agent ID is among the removed agents. */
  readonly removed?: boolean;
  /** Re-registration only: the registered agent's IP and hostname differ from the message's. */
  readonly addressChanged?: boolean;
}): string | undefined {
  if (input.authenticateAgents && !input.authenticated) return AGENT_REGISTRATION_SHUTDOWN.notAuthenticated;
  if (input.machineDown) return AGENT_REGISTRATION_SHUTDOWN.machineDown;
  if (input.removed === true) return AGENT_REGISTRATION_SHUTDOWN.removed;
  if (input.addressChanged === true) return AGENT_REGISTRATION_SHUTDOWN.changedAddress;
  return undefined;
}
