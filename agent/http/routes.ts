// The agent's classic HTTP endpoints (src/slave/slave.cpp initialize() routes,
// src/slave/http.cpp handlers), served by the agent process as
// /slave(1)/<path>. The agent registers them with
//
//   installAgentRoutes((path, handler, options) => this.route(path, handler, options), () => this, {
//     pid: () => this.self.toString(),
//     containerizer: this.containerizer,
//     inside: (fn) => this.runtime.dispatch(this, () => fn()),
//     clock: this.runtime.clock,
//   });
//
//   /state, /state.json          the agent, its frameworks, executors and tasks
//   /flags                       {"flags": {...}}
//   /health                      200 OK, empty body
//   /monitor/statistics(.json)   resource usage per running executor (rate limited 2/s)
//   /containers                  usage and status per running executor's container

import { lookupService } from 'node:dns/promises';
import { Clock } from '../../libprocess/clock.js';
import type { RouteHandler, RouteOptions } from '../../libprocess/process.js';
import type { Request, Response } from '../../libprocess/http/types.js';
import { jsonResponse, sinkJsonResponse } from '../../master/http/respond.js';
import { BUILD_INFO, MESOS_VERSION, type BuildInfo } from '../../master/http/version.js';
import type { AgentView } from '../model.js';
import {
  RateLimiter,
  collectStatus,
  collectUsage,
  containersJson,
  monitoredExecutors,
  statisticsJson,
  type LimiterClock,
  type UsageSource,
} from './monitor.js';
import { flagsJson, writeAgentState, type AgentFacts } from './state.js';

export type RouteRegistrar = (path: string, handler: RouteHandler, options?: RouteOptions) => void;

export interface AgentRouteDeps {
  /** The agent's pid, `slave(1)@ip:port`. */
  readonly pid: () => string;
  /** Where usage and container status come from. */
  readonly containerizer: UsageSource;
  /**
   * Runs `fn` inside the agent process; endpoints that wait (rate limiter,
   * name lookup) come back through it before reading the view. Default: at once.
   */
  readonly inside?: <T>(fn: () => T) => Promise<T>;
  /** Timers of the statistics rate limiter: the runtime's clock (a real clock by default). */
  readonly clock?: LimiterClock;
  readonly version?: string;
  readonly build?: BuildInfo;
  /**
   * net::getHostname(master ip): the name for `master_hostname`, undefined
   * when there is none. Default: a reverse lookup (getnameinfo), cached a minute.
   */
  readonly hostnameOf?: (ip: string) => Promise<string | undefined>;
}

/** libprocess's RateLimiter(2, Seconds(1)) of the statistics endpoint. */
export const STATISTICS_PERMITS = 2;
export const STATISTICS_INTERVAL_MS = 1000;

const HOSTNAME_TTL_MS = 60_000;

/** Registers the agent's classic endpoints through `register`. */
export function installAgentRoutes(register: RouteRegistrar, view: () => AgentView, deps: AgentRouteDeps): void {
  const endpoints = new AgentEndpoints(view, deps);
  const state: RouteHandler = (request) => endpoints.state(request);
  const statistics: RouteHandler = (request) => endpoints.statistics(request);
  register('/state', state, { help: HELP.state });
  register('/state.json', state, { help: HELP.state });
  register('/flags', (request) => jsonResponse(flagsJson(view().flags()), request), { help: HELP.flags });
  register('/health', () => ({ status: 200, body: '' }), { help: HELP.health });
  register('/monitor/statistics', statistics, { help: HELP.statistics });
  register('/monitor/statistics.json', statistics, { help: HELP.statistics });
  register('/containers', (request) => endpoints.containers(request), { help: HELP.containers });
}

class AgentEndpoints {
  private readonly inside: <T>(fn: () => T) => Promise<T>;
  private readonly limiter: RateLimiter;
  private readonly hostnameOf: (ip: string) => Promise<string | undefined>;
  /** Master hostnames already looked up (ip -> name), so /state renders without waiting. */
  private readonly hostnames = new Map<string, { name: string | undefined; at: number }>();

  constructor(
    private readonly view: () => AgentView,
    private readonly deps: AgentRouteDeps,
  ) {
    this.inside = deps.inside ?? (<T>(fn: () => T) => Promise.resolve().then(fn));
    this.limiter = new RateLimiter(STATISTICS_PERMITS, STATISTICS_INTERVAL_MS, deps.clock ?? new Clock());
    this.hostnameOf = deps.hostnameOf ?? reverseLookup;
  }

  /** Slave::Http::state: 503 while recovering; the master's name is looked up first when not known. */
  state(request: Request): Response | Promise<Response> {
    const view = this.view();
    if (view.state === 'RECOVERING') return serviceUnavailable('Agent has not finished recovery');
    const ip = view.masterPid?.host;
    if (ip === undefined) return this.renderState(request, undefined);
    const known = this.hostnames.get(ip);
    if (known !== undefined && Date.now() - known.at < HOSTNAME_TTL_MS) {
      return this.renderState(request, known.name);
    }
    return this.lookup(ip).then((name) => this.inside(() => this.renderState(request, this.view().masterPid?.host === ip ? name : undefined)));
  }

  private async lookup(ip: string): Promise<string | undefined> {
    let name: string | undefined;
    try {
      name = await this.hostnameOf(ip);
    } catch {
      name = undefined;
    }
    this.hostnames.set(ip, { name, at: Date.now() });
    return name;
  }

  private renderState(request: Request, masterHostname: string | undefined): Response {
    const view = this.view();
    const facts: AgentFacts = {
      version: this.deps.version ?? MESOS_VERSION,
      build: this.deps.build ?? BUILD_INFO,
      pid: this.deps.pid(),
      masterHostname,
    };
    return sinkJsonResponse(request, (sink) => writeAgentState(sink, view, facts));
  }

  /** Slave::Http::statistics: waits for a permit, then asks the containerizer. */
  async statistics(request: Request): Promise<Response> {
    await this.limiter.acquire();
    const entries = await this.inside(() => monitoredExecutors(this.view()));
    const usage = await collectUsage(this.deps.containerizer, entries);
    return jsonResponse(statisticsJson(entries, usage), request);
  }

  /** Slave::Http::containers. */
  async containers(request: Request): Promise<Response> {
    const entries = monitoredExecutors(this.view());
    const [statuses, usage] = await Promise.all([
      collectStatus(this.deps.containerizer, entries),
      collectUsage(this.deps.containerizer, entries),
    ]);
    return jsonResponse(containersJson(entries, usage, statuses), request);
  }
}

function serviceUnavailable(message: string): Response {
  return { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: message };
}

/** getnameinfo with NI_NAMEREQD, as net::getHostname. */
async function reverseLookup(ip: string): Promise<string | undefined> {
  try {
    return (await lookupService(ip, 0)).hostname;
  } catch {
    return undefined;
  }
}

const HELP = {
  state:
    'Information about the state of the agent: its resources, attributes, flags, frameworks, ' +
    'executors and tasks. 503 SERVICE_UNAVAILABLE while the agent recovers.',
  flags: "The agent's flag configuration.",
  health: 'Health check of the agent: 200 OK while it is healthy.',
  statistics:
    'Resource usage of the containers running under this agent: one entry per executor with ' +
    'executor_id, executor_name, framework_id, source and statistics. At most 2 requests a second are served; ' +
    'more wait their turn.',
  containers: 'Resource usage and status of the containers running under this agent, one entry per executor.',
} as const;
