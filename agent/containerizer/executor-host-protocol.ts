// The control channel between the agent and its shared command executor host (an
// extension: Mesos has no such process; see docs/containerizer.md). Messages are plain
// JSON objects over the Node IPC channel execa opens. Every message is validated on
// arrival with these schemas; one that does not match is logged, counted and dropped.
//
//   agent -> host                            host -> agent
//   launch   start a command executor        ready    the host's runtime is up
//   proceed  the forked task was isolated    started  the executor's driver runs (or failed)
//   destroy  kill the task, end executor     forked   the task's launch helper is forked,
//                                                     blocked until `proceed`
//                                            ended    the executor is gone (a wait status)
//
// Everything libprocess-level (registration, status updates, kills, shutdown) goes over
// the normal wire protocol between each hosted `executor(N)` and the agent.

import { z } from 'zod';

const containerId = z.string().min(1).max(256);
const pid = z.number().int().positive();

/** A user the launch helper switches to (see launch-helper.ts). */
export const hostUserSchema = z.strictObject({
  name: z.string().min(1),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
});

/** An isolator's pre-exec command (only shell commands are valid; the helper checks). */
export const preExecCommandSchema = z.strictObject({
  shell: z.boolean(),
  value: z.string().optional(),
});

export const launchMessageSchema = z.strictObject({
  type: z.literal('launch'),
  containerId,
  /** The sandbox: the executor's and the task's working directory, holding stdout/stderr. */
  directory: z.string().min(1),
  /** The executor's complete environment, exactly as the containerizer builds it. */
  environment: z.record(z.string(), z.string()),
  user: hostUserSchema.optional(),
  preExecCommands: z.array(preExecCommandSchema),
  /** The helper prints this and exits 1 instead of running the task (e.g. unknown user). */
  failure: z.string().optional(),
});

export const agentToHostSchema = z.discriminatedUnion('type', [
  launchMessageSchema,
  z.strictObject({ type: z.literal('proceed'), containerId }),
  z.strictObject({ type: z.literal('destroy'), containerId }),
]);

export const hostToAgentSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), pid, address: z.string().min(1) }),
  z.strictObject({
    type: z.literal('started'),
    containerId,
    /** Set when the executor could not be started (the launch fails with it). */
    error: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('forked'), containerId, pid }),
  z.strictObject({
    type: z.literal('ended'),
    containerId,
    /** wait(2)-style status as if the executor had been its own process. */
    status: z.number().int().nonnegative(),
    message: z.string().optional(),
    /** The task's process was reaped by the host and its leftovers killed. */
    taskReaped: z.boolean(),
  }),
]);

export type HostUser = z.infer<typeof hostUserSchema>;
export type LaunchMessage = z.infer<typeof launchMessageSchema>;
export type AgentToHost = z.infer<typeof agentToHostSchema>;
export type HostToAgent = z.infer<typeof hostToAgentSchema>;

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown): Parsed<T> {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, message: result.data } : { ok: false, error: describeIssues(result.error) };
}

export function parseAgentToHost(value: unknown): Parsed<AgentToHost> {
  return parseWith(agentToHostSchema, value);
}

export function parseHostToAgent(value: unknown): Parsed<HostToAgent> {
  return parseWith(hostToAgentSchema, value);
}

/** wait(2) statuses: `exit n` is n << 8; death by signal s is s. */
export const WAIT_STATUS_EXIT_1 = 1 << 8;
export const WAIT_STATUS_SIGKILL = 9;
