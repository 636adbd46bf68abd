// Helpers for the classic endpoint tests: install the master's routes (when
// the master does not install them itself yet), spawn the version process,
// and issue requests through the runtime's HTTP entry point.

import { normalizeRoute, type RouteHandler, type RouteOptions } from '../../libprocess/process.js';
import type { Response } from '../../libprocess/http/types.js';
import type { mesos } from '../../proto/index.js';
import { installMasterRoutes, type MasterRoutesOptions } from '../../master/http/routes.js';
import { VersionProcess } from '../../master/http/version.js';
import { Cluster, commandTask, UUID_A } from './harness.js';

export const TEST_FLAGS: Record<string, string> = {
  authenticate: 'false',
  cluster: 'test-cluster',
  hostname: 'master.test',
  log_dir: '/var/log/mesos',
  port: '5050',
  work_dir: '/var/lib/mesos',
};

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Installs the classic routes on the cluster's master (replacing any the master installed). */
export async function installRoutes(cluster: Cluster, options: Partial<MasterRoutesOptions> = {}): Promise<void> {
  const master = cluster.running.master;
  await cluster.masterRuntime.dispatch(master, (m) => {
    const register = (path: string, handler: RouteHandler, routeOptions?: RouteOptions): void => {
      m._routes.set(normalizeRoute(path), { handler, options: routeOptions ?? {} });
    };
    installMasterRoutes(register, m, { flags: () => ({ ...TEST_FLAGS }), ...options });
  });
  if (!cluster.masterRuntime.exists('version')) {
    cluster.masterRuntime.spawn(new VersionProcess());
  }
}

/** GET `url` (path and query) through the master runtime. */
export function get(cluster: Cluster, url: string): Promise<HttpResult> {
  const parsed = new URL(url, 'http://master.test');
  return new Promise((resolve) => {
    cluster.masterRuntime.handleHttp(
      {
        method: 'GET',
        path: decodeURIComponent(parsed.pathname),
        url,
        query: parsed.searchParams,
        headers: new Map(),
        body: Buffer.alloc(0),
        keepAlive: true,
      },
      (response: Response) => {
        const body = typeof response.body === 'function' ? '' : String(response.body ?? '');
        resolve({ status: response.status, headers: response.headers ?? {}, body });
      },
    );
  });
}

/** GET and parse a JSON body (asserting it is JSON). */
export async function getJSON(cluster: Cluster, url: string): Promise<{ result: HttpResult; json: Record<string, unknown> }> {
  const result = await get(cluster, url);
  return { result, json: JSON.parse(result.body) as Record<string, unknown> };
}

/** A cluster with one agent, one framework and one RUNNING task `t1`. */
export async function runningCluster(frameworkInfo: Partial<mesos.FrameworkInfo.$Properties> = {}) {
  const cluster = new Cluster();
  await cluster.settle();
  const agent = await cluster.agent();
  const scheduler = await cluster.framework(frameworkInfo);
  const offers = await scheduler.offers();
  const offer = offers.offers[0] as mesos.Offer;
  scheduler.launch([offer.id.value], [commandTask('t1', agent.id)]);
  await cluster.settle();
  agent.update(scheduler.id, 't1', 1 /* TASK_RUNNING */, UUID_A);
  await scheduler.update();
  await installRoutes(cluster);
  return { cluster, agent, scheduler };
}

/** Keys of a parsed JSON object, in order. */
export function keys(value: unknown): string[] {
  return Object.keys(value as Record<string, unknown>);
}

export function at<T = Record<string, unknown>>(value: unknown, ...path: (string | number)[]): T {
  let current = value;
  for (const step of path) current = (current as Record<string | number, unknown>)[step];
  return current as T;
}
