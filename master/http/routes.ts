// The master's classic JSON endpoints (src/master/master.cpp initialize()
// routes, src/master/http.cpp handlers): a thin shell that builds a
// MasterView, redirects to the leader when this master is not elected, and
// wraps the rendered text in OK(json, jsonp). The master registers them with
//
//   installMasterRoutes((path, handler, options) => this.route(path, handler, options), this, { flags });
//
// and they are then served as /master/<name> and, through the runtime's
// delegate, as /<name>.

import type { RouteHandler, RouteOptions } from '../../libprocess/process.js';
import type { Request, Response } from '../../libprocess/http/types.js';
import type { mesos } from '../../proto/index.js';
import type { Master } from '../master.js';
import { jsonResponse, sinkJsonResponse } from './respond.js';
import { rolesJson } from './roles.js';
import type { JsonSink } from './sink.js';
import { flagsObjectJson, writeFrameworksEndpoint, writeSlaves, writeState } from './state.js';
import { writeStateSummary } from './summary.js';
import { parseTaskQuery, writeTasks } from './tasks.js';
import { BUILD_INFO, MESOS_VERSION, type BuildInfo } from './version.js';
import type { MasterView } from './view.js';

export type RouteRegistrar = (path: string, handler: RouteHandler, options?: RouteOptions) => void;

/** The parts of the master the endpoints read. */
export type MasterLike = Pick<Master, 'state' | 'info' | 'startTime' | 'electedTime' | 'opts'>;

export interface MasterRoutesOptions {
  /** The master's flags as `--name=value` strings (only flags that have a value). */
  flags: () => Record<string, string>;
  /** Role weights; none by default. */
  weights?: () => ReadonlyMap<string, number>;
  /** The leading master; defaults to this master while it is elected. */
  leader?: () => mesos.MasterInfo.$Properties | undefined;
  build?: BuildInfo;
}

const NO_WEIGHTS: ReadonlyMap<string, number> = new Map();

/** Registers every classic endpoint of the master through `register`. */
export function installMasterRoutes(register: RouteRegistrar, master: MasterLike, options: MasterRoutesOptions): void {
  const endpoints = new MasterEndpoints(master, options);
  /** An endpoint served by the leading master only. */
  const leaderOnly = (write: (sink: JsonSink, view: MasterView, request: Request) => void): RouteHandler => {
    return (request) => {
      if (!endpoints.elected()) return endpoints.redirect(request);
      const view = endpoints.view();
      return sinkJsonResponse(request, (sink) => write(sink, view, request));
    };
  };
  const state = leaderOnly((sink, view) => writeState(sink, view));
  const tasks = leaderOnly((sink, view, request) => writeTasks(sink, view, parseTaskQuery(request.query)));
  const roles = leaderOnly((sink, view) => sink.add(rolesJson(view, endpoints.rolesConfig())));

  register('/state', state, { help: HELP.state });
  register('/state.json', state, { help: HELP.state });
  register('/state-summary', leaderOnly((sink, view) => writeStateSummary(sink, view)), { help: HELP.stateSummary });
  register('/frameworks', leaderOnly((sink, view) => writeFrameworksEndpoint(sink, view)), { help: HELP.frameworks });
  register('/slaves', leaderOnly((sink, view) => writeSlaves(sink, view)), { help: HELP.slaves });
  register('/tasks', tasks, { help: HELP.tasks });
  register('/tasks.json', tasks, { help: HELP.tasks });
  register('/roles', roles, { help: HELP.roles });
  register('/roles.json', roles, { help: HELP.roles });
  register('/flags', (request) => jsonResponse(`{"flags":${flagsObjectJson(options.flags())}}`, request), { help: HELP.flags });
  register('/health', () => ({ status: 200, body: '' }), { help: HELP.health });
  register('/redirect', (request) => endpoints.redirect(request), { help: HELP.redirect });
}

class MasterEndpoints {
  constructor(
    private readonly master: MasterLike,
    private readonly options: MasterRoutesOptions,
  ) {}

  elected(): boolean {
    return this.master.electedTime !== undefined;
  }

  leader(): mesos.MasterInfo.$Properties | undefined {
    if (this.options.leader !== undefined) return this.options.leader();
    return this.elected() ? this.master.info : undefined;
  }

  view(): MasterView {
    const master = this.master;
    const flags = this.options.flags();
    return {
      state: master.state,
      version: master.info.version ?? MESOS_VERSION,
      build: this.options.build ?? BUILD_INFO,
      id: master.info.id,
      pid: master.info.pid ?? '',
      hostname: master.info.hostname ?? '',
      startTime: master.startTime / 1000,
      electedTime: master.electedTime === undefined ? undefined : master.electedTime / 1000,
      leader: this.leader(),
      cluster: flags['cluster'] ?? master.opts.cluster,
      flags,
    };
  }

  rolesConfig(): { whitelist: ReadonlySet<string> | undefined; weights: ReadonlyMap<string, number> } {
    return { whitelist: this.master.opts.roles, weights: this.options.weights?.() ?? NO_WEIGHTS };
  }

  /** Master::Http::redirect. */
  redirect(request: Request): Response {
    return redirectToLeader(request, this.leader());
  }
}

/**
 * Master::Http::redirect: 307 to the same path on the leading master (a
 * protocol-relative `//host:port/path`), or 503 when no leader is known.
 */
export function redirectToLeader(request: Pick<Request, 'path'>, leader: mesos.MasterInfo.$Properties | undefined): Response {
  if (leader === undefined) {
    return { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'No leader elected' };
  }
  const host = leader.hostname ?? leader.address?.hostname ?? leader.address?.ip ?? ipFromUint32(leader.ip);
  const base = `//${host}:${leader.port ?? 5050}`;
  const path = request.path;
  const location = path === '/redirect' || path === '/master/redirect' ? base : base + path;
  return { status: 307, headers: { Location: location }, body: '' };
}

/** MasterInfo.ip holds the address bytes in network order read as a little-endian integer. */
function ipFromUint32(ip: number): string {
  return [ip & 0xff, (ip >>> 8) & 0xff, (ip >>> 16) & 0xff, ip >>> 24].join('.');
}

const LEADER_NOTE =
  'Returns 307 TEMPORARY_REDIRECT to the leading master when this master is not the leader, ' +
  'and 503 SERVICE_UNAVAILABLE when no leader is known.';

const HELP = {
  state: `Information about the state of the master: agents, frameworks, tasks, flags. ${LEADER_NOTE}`,
  stateSummary: `Summary of agents, frameworks and task states in the cluster. ${LEADER_NOTE}`,
  frameworks: `Information about registered and completed frameworks. ${LEADER_NOTE}`,
  slaves: `Information about registered agents, with full reservation details. ${LEADER_NOTE}`,
  tasks:
    'Lists tasks of all frameworks. Query parameters: limit=VALUE (default 100), offset=VALUE, ' +
    `order=(asc|desc) by first status timestamp (default descending). ${LEADER_NOTE}`,
  roles: `Information about roles: weight, allocated resources, registered frameworks. ${LEADER_NOTE}`,
  flags: "The master's flag configuration.",
  health: 'Health check of the master: 200 OK while it is healthy.',
  redirect: `Redirects to the leading master. ${LEADER_NOTE}`,
} as const;
