// `POST /api/v1` on the master: the v1 operator API (src/master/http.cpp
// Master::Http::api and the handlers it dispatches to; the calls and
// responses of include/mesos/v1/master/master.proto). The master registers
// it with
//
//   installMasterOperatorApi((path, handler, options) => this.route(path, handler, options), this);
//
// and it is served as /master/api/v1 and, through the runtime's delegate,
// as /api/v1.
//
// Calls whose feature this master does not have yet (dynamic reservations,
// persistent volumes, maintenance, quota, weight updates) answer 501 with a
// text naming what is missing; reads of those features answer the state the
// master really has (no quotas, an empty maintenance schedule, the weights
// of --weights).

import type { RouteHandler, RouteOptions } from '../../libprocess/process.js';
import type { Request, Response } from '../../libprocess/http/types.js';
import { Resources } from '../../common/resources.js';
import { parseWeights } from '../../common/roles.js';
import { mesos } from '../../proto/index.js';
import type { Master } from '../master.js';
import { operatorEvents, type OperatorEventsOptions } from '../operator-events.js';
import { validateMasterCall } from '../validation.js';
import {
  sharedCall,
  type SharedDeps,
} from './operator-common.js';
import { APPLICATION_PROTOBUF, decodeCall, notImplemented, ok, okMessage, type ApiTypes, type ContentType } from './operator-http.js';
import {
  getAgentsTree,
  getExecutorsTree,
  getFrameworksTree,
  getStateTree,
  getTasksTree,
  resourceList,
  responseTree,
  releaseChunks,
  treeBytesChunks,
  treeJsonChunks,
  type Tree,
} from './operator-state.js';
import { frameworkUsed } from './state.js';

export type RouteRegistrar = (path: string, handler: RouteHandler, options?: RouteOptions) => void;

type V0Response = mesos.master.Response.$Properties;
type V0Call = mesos.master.Call;

export const MASTER_API_TYPES: ApiTypes<V0Response> = { v0: mesos.master.Response, v1: mesos.v1.master.Response };
const CALL_TYPES: ApiTypes<V0Call> = { v0: mesos.master.Call, v1: mesos.v1.master.Call };

const CallType = mesos.master.Call.Type;
const ResponseType = mesos.master.Response.Type;

export interface MasterOperatorApiOptions extends OperatorEventsOptions {
  /** Role weights; default: the `weights` the master was started with, else its `--weights` flag. */
  weights?: () => ReadonlyMap<string, number>;
  /** The leading master when this one is not elected (calls are redirected there). */
  leader?: () => mesos.MasterInfo.$Properties | undefined;
}

/** Registers `/api/v1` on the master. */
export function installMasterOperatorApi(register: RouteRegistrar, master: Master, options: MasterOperatorApiOptions = {}): void {
  const api = new MasterOperatorApi(master, options);
  register('/api/v1', (request) => api.handle(request), { help: HELP });
}

class MasterOperatorApi {
  private readonly shared: SharedDeps<V0Response>;

  constructor(
    private readonly master: Master,
    private readonly options: MasterOperatorApiOptions,
  ) {
    this.shared = {
      runtime: master.runtime,
      types: MASTER_API_TYPES,
      flags: () => master.opts.flags?.() ?? {},
      who: 'master',
      version: master.info.version ?? undefined,
    };
    operatorEvents(master, options);
  }

  handle(request: Request): Response | Promise<Response> {
    const master = this.master;
    if (master.electedTime === undefined) return this.redirect(request);
    if (!master.recovered) {
      return { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Master has not finished recovery' };
    }
    const decoded = decodeCall(request, CALL_TYPES, validateMasterCall, 'master::Call');
    if (!decoded.ok) return decoded.response;
    master.runtime.log.info({ call: CallType[decoded.call.type] }, 'processing operator call');
    return this.dispatch(decoded.call, decoded.accept);
  }

  private dispatch(call: V0Call, accept: ContentType): Response | Promise<Response> {
    const shared = this.shared;
    const state = this.master.state;
    const common = sharedCall(shared, call, accept);
    if (common !== undefined) return common;
    switch (call.type) {
      case CallType.GET_STATE:
        return tree(accept, responseTree('GET_STATE', 9, 'get_state', getStateTree(state)));
      case CallType.GET_AGENTS:
        return tree(accept, responseTree('GET_AGENTS', 10, 'get_agents', getAgentsTree(state)));
      case CallType.GET_FRAMEWORKS:
        return tree(accept, responseTree('GET_FRAMEWORKS', 11, 'get_frameworks', getFrameworksTree(state)));
      case CallType.GET_EXECUTORS:
        return tree(accept, responseTree('GET_EXECUTORS', 12, 'get_executors', getExecutorsTree(state)));
      case CallType.GET_TASKS:
        return tree(accept, responseTree('GET_TASKS', 13, 'get_tasks', getTasksTree(state)));
      case CallType.GET_ROLES:
        return this.respond(accept, { type: ResponseType.GET_ROLES, get_roles: { roles: this.roles() } });
      case CallType.GET_WEIGHTS:
        return this.respond(accept, { type: ResponseType.GET_WEIGHTS, get_weights: { weight_infos: this.weightInfos() } });
      case CallType.GET_MASTER:
        return this.respond(accept, { type: ResponseType.GET_MASTER, get_master: { master_info: this.master.info } });
      case CallType.SUBSCRIBE:
        return operatorEvents(this.master).subscribe(accept);
      case CallType.GET_MAINTENANCE_STATUS:
        // No maintenance schedule can exist here, so no machine is draining or down.
        return this.respond(accept, { type: ResponseType.GET_MAINTENANCE_STATUS, get_maintenance_status: { status: {} } });
      case CallType.GET_MAINTENANCE_SCHEDULE:
        return this.respond(accept, { type: ResponseType.GET_MAINTENANCE_SCHEDULE, get_maintenance_schedule: { schedule: {} } });
      case CallType.GET_QUOTA:
        // This master cannot set quota, so there is none.
        return this.respond(accept, { type: ResponseType.GET_QUOTA, get_quota: { status: {} } });
      case CallType.UPDATE_WEIGHTS:
        return notImplemented('UPDATE_WEIGHTS: updating role weights at runtime is not supported by this master yet (set them with --weights)');
      case CallType.RESERVE_RESOURCES:
        return notImplemented('RESERVE_RESOURCES: dynamic reservations are not supported by this master yet');
      case CallType.UNRESERVE_RESOURCES:
        return notImplemented('UNRESERVE_RESOURCES: dynamic reservations are not supported by this master yet');
      case CallType.CREATE_VOLUMES:
        return notImplemented('CREATE_VOLUMES: persistent volumes are not supported by this master yet');
      case CallType.DESTROY_VOLUMES:
        return notImplemented('DESTROY_VOLUMES: persistent volumes are not supported by this master yet');
      case CallType.UPDATE_MAINTENANCE_SCHEDULE:
        return notImplemented('UPDATE_MAINTENANCE_SCHEDULE: maintenance scheduling is not supported by this master yet');
      case CallType.START_MAINTENANCE:
        return notImplemented('START_MAINTENANCE: maintenance scheduling is not supported by this master yet');
      case CallType.STOP_MAINTENANCE:
        return notImplemented('STOP_MAINTENANCE: maintenance scheduling is not supported by this master yet');
      case CallType.SET_QUOTA:
        return notImplemented('SET_QUOTA: quota is not supported by this master yet');
      case CallType.REMOVE_QUOTA:
        return notImplemented('REMOVE_QUOTA: quota is not supported by this master yet');
      default:
        // UNKNOWN, as Mesos answers it.
        return { status: 501, body: '' };
    }
  }

  /** Master::Http::redirect: 307 to the leader's same path, 503 when none is known. */
  private redirect(request: Request): Response {
    const leader = this.options.leader?.();
    if (leader === undefined) {
      return { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'No leader elected' };
    }
    const host = leader.hostname ?? leader.address?.hostname ?? leader.address?.ip ?? ipFromUint32(leader.ip);
    return { status: 307, headers: { Location: `//${host}:${leader.port ?? 5050}${request.path}` }, body: '' };
  }

  private respond(accept: ContentType, message: V0Response): Response {
    return okMessage(accept, MASTER_API_TYPES, message);
  }

  /** The role weights the master runs with. */
  private weights(): ReadonlyMap<string, number> {
    if (this.options.weights !== undefined) return this.options.weights();
    // startMaster spreads its setup (including `weights`) into the options.
    const given = (this.master.opts as { weights?: unknown }).weights;
    if (given instanceof Map) return given as ReadonlyMap<string, number>;
    const flag = this.master.opts.flags?.()['weights'];
    if (flag === undefined || flag === '') return new Map();
    try {
      return parseWeights(flag);
    } catch {
      return new Map();
    }
  }

  /** weightsHandler.get: every role with a configured weight, by name. */
  private weightInfos(): mesos.WeightInfo.$Properties[] {
    return [...this.weights()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([role, weight]) => ({ weight, role }));
  }

  /**
   * getRoles: the whitelisted roles, or else `*`, the roles of registered
   * frameworks and the roles with a weight; each with its weight (1.0 by
   * default), its frameworks and what they use and are offered.
   */
  private roles(): mesos.Role.$Properties[] {
    const state = this.master.state;
    const weights = this.weights();
    const byRole = new Map<string, string[]>();
    const resources = new Map<string, Resources>();
    for (const framework of state.frameworks.values()) {
      const role = framework.role;
      let ids = byRole.get(role);
      if (ids === undefined) byRole.set(role, (ids = []));
      ids.push(framework.id);
      const sum = (resources.get(role) ?? Resources.EMPTY).plus(frameworkUsed(framework)).plus(framework.offeredResources);
      resources.set(role, sum);
    }
    const whitelist = this.master.opts.roles;
    const names = whitelist !== undefined ? new Set(whitelist) : new Set(['*', ...byRole.keys(), ...weights.keys()]);
    return [...names].sort().map((name) => {
      const role: mesos.Role.$Properties = { name, weight: weights.get(name) ?? 1 };
      const ids = byRole.get(name);
      if (ids !== undefined) {
        role.frameworks = ids.map((value) => ({ value }));
        role.resources = resourceList(resources.get(name) ?? Resources.EMPTY);
      }
      return role;
    });
  }
}

/** MasterInfo.ip holds the address bytes in network order read as a little-endian integer. */
function ipFromUint32(ip: number): string {
  return [ip & 0xff, (ip >>> 8) & 0xff, (ip >>> 16) & 0xff, ip >>> 24].join('.');
}

/** Responses larger than this (as protobuf) are streamed rather than joined into one buffer. */
const STREAM_ABOVE = 4 * 1024 * 1024;

/**
 * A response assembled from cached pieces (operator-state.ts). A large one
 * (GET_STATE of a big cluster) is streamed in its 64 KB chunks (chunked
 * transfer encoding) rather than copied into one buffer; smaller ones have a
 * Content-Length, as Mesos answers.
 */
function tree(accept: ContentType, message: Tree): Response {
  const chunks = accept === APPLICATION_PROTOBUF ? treeBytesChunks(message, true) : treeJsonChunks(message, true);
  if (message.byteLength() <= STREAM_ABOVE) {
    if (chunks.length === 1) return ok(accept, chunks[0] as Buffer);
    const body = Buffer.concat(chunks);
    releaseChunks(chunks);
    return ok(accept, body);
  }
  return {
    status: 200,
    headers: { 'Content-Type': accept },
    body: (writer) => {
      for (const chunk of chunks) writer.write(chunk);
      writer.close();
    },
    // Once the socket has the bytes, the batches serve the next render.
    onSent: () => releaseChunks(chunks),
  };
}

const HELP =
  'Endpoint for API calls against the master (the v1 operator API): POST a mesos.v1.master.Call as ' +
  'application/json or application/x-protobuf; the response comes in the type the Accept header prefers ' +
  '(JSON first). Returns 200 OK when the call was processed, 307 TEMPORARY_REDIRECT to the leading master ' +
  'when this master is not the leader, 503 SERVICE_UNAVAILABLE while it recovers or when no leader is known, ' +
  'and 501 NOT_IMPLEMENTED for calls whose feature this master does not have. SUBSCRIBE answers a RecordIO ' +
  'stream of mesos.v1.master.Event: SUBSCRIBED with the full state, then TASK_ADDED and TASK_UPDATED.';
