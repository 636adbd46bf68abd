// The calls the master's and the agent's v1 operator APIs share: GET_HEALTH,
// GET_FLAGS, GET_VERSION, GET_METRICS, GET_LOGGING_LEVEL, SET_LOGGING_LEVEL,
// LIST_FILES and READ_FILE (src/master/http.cpp and src/slave/http.cpp:
// getHealth, getFlags, getVersion, getMetrics, getLoggingLevel,
// setLoggingLevel, listFiles). `mesos.master.Response` and
// `mesos.agent.Response` number these seven response types and their fields
// identically, so one builder serves both.

import type { Request, Response } from '../../libprocess/http/types.js';
import type { Runtime } from '../../libprocess/runtime.js';
import type { mesos } from '../../proto/index.js';
import { listFiles, readFile } from './operator-files.js';
import { okEmpty, okMessage, type ApiTypes, type ContentType } from './operator-http.js';
import { BUILD_INFO, MESOS_VERSION, type BuildInfo } from './version.js';

/** The response fields the master and agent Response messages share (same numbers, same types). */
export interface SharedResponse {
  type?: number | null;
  get_health?: { healthy: boolean } | null;
  get_flags?: { flags?: mesos.Flag.$Properties[] | null } | null;
  get_version?: { version_info: mesos.VersionInfo.$Properties } | null;
  get_metrics?: { metrics?: mesos.Metric.$Properties[] | null } | null;
  get_logging_level?: { level: number } | null;
  list_files?: { file_infos?: mesos.FileInfo.$Properties[] | null } | null;
  get_file_contents?: { data?: Uint8Array[] | null } | null;
}

/** Response.Type values both APIs use for these calls. */
export const SHARED_TYPE = {
  GET_HEALTH: 1,
  GET_FLAGS: 2,
  GET_VERSION: 3,
  GET_METRICS: 4,
  GET_LOGGING_LEVEL: 5,
  LIST_FILES: 6,
  READ_FILE: 7,
} as const;

export interface SharedDeps<R extends SharedResponse> {
  readonly runtime: Runtime;
  readonly types: ApiTypes<R>;
  /** The daemon's flags as `/flags` shows them. */
  readonly flags: () => Readonly<Record<string, string>>;
  /** 'master' or 'agent', for error texts. */
  readonly who: string;
  readonly version?: string;
  readonly build?: BuildInfo;
}

/** Both daemons' Response messages hold the shared fields under the same names and numbers. */
function respond<R extends SharedResponse>(deps: SharedDeps<R>, accept: ContentType, message: SharedResponse): Response {
  return okMessage(accept, deps.types, message as unknown as R);
}

export function getHealth<R extends SharedResponse>(deps: SharedDeps<R>, accept: ContentType): Response {
  return respond(deps, accept, { type: SHARED_TYPE.GET_HEALTH, get_health: { healthy: true } });
}

/** evolve<GET_FLAGS>: one Flag per flag that has a value, by name. */
export function getFlags<R extends SharedResponse>(deps: SharedDeps<R>, accept: ContentType): Response {
  const flags = deps.flags();
  const list = Object.keys(flags)
    .sort()
    .map((name) => ({ name, value: flags[name] ?? '' }));
  return respond(deps, accept, { type: SHARED_TYPE.GET_FLAGS, get_flags: { flags: list } });
}

/** version() as a VersionInfo. */
export function versionInfo(version: string = MESOS_VERSION, build: BuildInfo = BUILD_INFO): mesos.VersionInfo.$Properties {
  const info: mesos.VersionInfo.$Properties = {
    version,
    build_date: build.date,
    build_time: build.time,
    build_user: build.user,
  };
  if (build.gitSha !== undefined) info.git_sha = build.gitSha;
  if (build.gitBranch !== undefined) info.git_branch = build.gitBranch;
  if (build.gitTag !== undefined) info.git_tag = build.gitTag;
  return info;
}

export function getVersion<R extends SharedResponse>(deps: SharedDeps<R>, accept: ContentType): Response {
  const version_info = versionInfo(deps.version, deps.build);
  return respond(deps, accept, { type: SHARED_TYPE.GET_VERSION, get_version: { version_info } });
}

/** process::metrics::snapshot(timeout): gauges that do not answer in time are left out. */
export async function getMetrics<R extends SharedResponse>(
  deps: SharedDeps<R>,
  accept: ContentType,
  timeout: mesos.DurationInfo.$Properties | null | undefined,
): Promise<Response> {
  const timeoutMs = timeout == null ? undefined : Math.max(0, timeout.nanoseconds / 1e6);
  const snapshot = await deps.runtime.metrics.snapshot(timeoutMs);
  const metrics = [...snapshot].map(([name, value]) => ({ name, value }));
  return respond(deps, accept, { type: SHARED_TYPE.GET_METRICS, get_metrics: { metrics } });
}

/** Asks the runtime's `logging` process (libprocess's /logging/toggle) and returns its answer. */
function toggle(runtime: Runtime, query: URLSearchParams): Promise<Response> {
  const url = `/logging/toggle${query.size > 0 ? `?${query.toString()}` : ''}`;
  const request: Request = {
    method: 'GET',
    path: '/logging/toggle',
    url,
    query,
    headers: new Map(),
    body: Buffer.alloc(0),
    keepAlive: true,
  };
  return new Promise((resolve) => runtime.handleHttp(request, resolve));
}

function bodyText(response: Response): string {
  const body = response.body;
  if (body === undefined || typeof body === 'function') return '';
  return typeof body === 'string' ? body : body.toString('utf8');
}

/** FLAGS_v: the verbosity the logging process runs at now. */
export async function getLoggingLevel<R extends SharedResponse>(deps: SharedDeps<R>, accept: ContentType): Promise<Response> {
  const answer = await toggle(deps.runtime, new URLSearchParams());
  const level = Number.parseInt(bodyText(answer).trim(), 10);
  if (answer.status !== 200 || !Number.isInteger(level)) {
    return { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Failed to read the logging level' };
  }
  return respond(deps, accept, { type: SHARED_TYPE.GET_LOGGING_LEVEL, get_logging_level: { level } });
}

/** Logging::set_level(level, duration): raised now, back to the original level after `duration`. */
export async function setLoggingLevel<R extends SharedResponse>(
  deps: SharedDeps<R>,
  call: { level: number; duration: mesos.DurationInfo.$Properties },
): Promise<Response> {
  const query = new URLSearchParams({ level: String(call.level), duration: `${call.duration.nanoseconds}ns` });
  const answer = await toggle(deps.runtime, query);
  if (answer.status !== 200) return answer;
  return okEmpty();
}

export async function getListFiles<R extends SharedResponse>(deps: SharedDeps<R>, accept: ContentType, path: string): Promise<Response> {
  const result = await listFiles(deps.runtime, path, deps.who);
  if (!result.ok) return result.response;
  return respond(deps, accept, { type: SHARED_TYPE.LIST_FILES, list_files: { file_infos: result.value } });
}

/** READ_FILE, answered in 1.0's GetFileContents (one `data` element, none past the end). */
export async function getReadFile<R extends SharedResponse>(
  deps: SharedDeps<R>,
  accept: ContentType,
  call: { path: string; offset?: string | null; length?: string | null },
): Promise<Response> {
  const result = await readFile(deps.runtime, call, deps.who);
  if (!result.ok) return result.response;
  const data = result.value.length > 0 ? [result.value] : [];
  return respond(deps, accept, { type: SHARED_TYPE.READ_FILE, get_file_contents: { data } });
}

/** Call types master and agent share, with the same numbers in both packages (master.proto, agent.proto). */
export const SHARED_CALL = {
  GET_HEALTH: 1,
  GET_FLAGS: 2,
  GET_VERSION: 3,
  GET_METRICS: 4,
  GET_LOGGING_LEVEL: 5,
  SET_LOGGING_LEVEL: 6,
  LIST_FILES: 7,
  READ_FILE: 8,
} as const;

/** The parts of a master or agent `Call` the shared calls read. */
export interface SharedCall {
  type?: number | null;
  get_metrics?: { timeout?: mesos.DurationInfo.$Properties | null } | null;
  set_logging_level?: { level: number; duration: mesos.DurationInfo.$Properties } | null;
  list_files?: { path: string } | null;
  read_file?: { path: string; offset?: string | null; length?: string | null } | null;
}

/**
 * Answers the calls master and agent handle alike; undefined for any other
 * call (the daemon's own dispatch handles it). Sub-messages are present: the
 * call was validated when decoded.
 */
export function sharedCall<R extends SharedResponse>(
  deps: SharedDeps<R>,
  call: SharedCall,
  accept: ContentType,
): Response | Promise<Response> | undefined {
  switch (call.type) {
    case SHARED_CALL.GET_HEALTH:
      return getHealth(deps, accept);
    case SHARED_CALL.GET_FLAGS:
      return getFlags(deps, accept);
    case SHARED_CALL.GET_VERSION:
      return getVersion(deps, accept);
    case SHARED_CALL.GET_METRICS:
      return getMetrics(deps, accept, call.get_metrics?.timeout);
    case SHARED_CALL.GET_LOGGING_LEVEL:
      return getLoggingLevel(deps, accept);
    case SHARED_CALL.SET_LOGGING_LEVEL:
      return setLoggingLevel(deps, call.set_logging_level as { level: number; duration: mesos.DurationInfo.$Properties });
    case SHARED_CALL.LIST_FILES:
      return getListFiles(deps, accept, call.list_files?.path ?? '');
    case SHARED_CALL.READ_FILE:
      return getReadFile(deps, accept, call.read_file as { path: string; offset?: string | null; length?: string | null });
    default:
      return undefined;
  }
}
