// `POST /slave(1)/api/v1` on the agent: the v1 operator API
// (src/slave/http.cpp Slave::Http::api; include/mesos/v1/agent/agent.proto).
// The agent registers it with
//
//   installAgentOperatorApi((path, handler, options) => this.route(path, handler, options), this);
//
// GET_STATE answers 501 as Mesos 1.0 does: 1.0's agent Response.GetState
// has no fields, so there is nothing true it could carry (GET
// /slave(1)/state has the agent's state). READ_FILE works (1.0 declared it and
// answered 501; see master/http/operator-files.ts).

import type { RouteHandler, RouteOptions } from '../../libprocess/process.js';
import type { Request, Response } from '../../libprocess/http/types.js';
import { has, mesos } from '../../proto/index.js';
import {
  sharedCall,
  type SharedDeps,
} from '../../master/http/operator-common.js';
import { decodeCall, notImplemented, okMessage, type ApiTypes, type ContentType } from '../../master/http/operator-http.js';
import type { AgentView } from '../model.js';
import { collectStatus, collectUsage, monitoredExecutors, type UsageSource } from './monitor.js';
import type { Runtime } from '../../libprocess/runtime.js';

export type RouteRegistrar = (path: string, handler: RouteHandler, options?: RouteOptions) => void;

type V0Response = mesos.agent.Response.$Properties;
type V0Call = mesos.agent.Call;

export const AGENT_API_TYPES: ApiTypes<V0Response> = { v0: mesos.agent.Response, v1: mesos.v1.agent.Response };
const CALL_TYPES: ApiTypes<V0Call> = { v0: mesos.agent.Call, v1: mesos.v1.agent.Call };
const CallType = mesos.agent.Call.Type;

/** What the API reads of the agent. */
export interface AgentApiSource {
  readonly runtime: Runtime;
  readonly containerizer: UsageSource;
  view(): AgentView;
}

/** Registers `/api/v1` on the agent process. */
export function installAgentOperatorApi(register: RouteRegistrar, agent: AgentView & { readonly runtime: Runtime; readonly containerizer: UsageSource }): void {
  const api = new AgentOperatorApi({ runtime: agent.runtime, containerizer: agent.containerizer, view: () => agent });
  register('/api/v1', (request) => api.handle(request), { help: HELP });
}

/** The sub-message each agent call needs (validation::agent::call::validate). */
const CALL_FIELDS: Readonly<Partial<Record<number, keyof V0Call>>> = {
  [CallType.GET_METRICS]: 'get_metrics',
  [CallType.SET_LOGGING_LEVEL]: 'set_logging_level',
  [CallType.LIST_FILES]: 'list_files',
  [CallType.READ_FILE]: 'read_file',
};

/** validation::agent::call::validate (required fields are checked when the call is parsed). */
export function validateAgentCall(call: V0Call): string | undefined {
  if (!has(call, 'type') || CallType[call.type] === undefined) return "Expecting 'type' to be present";
  const field = CALL_FIELDS[call.type];
  if (field !== undefined && !has(call, field)) return `Expecting '${field}' to be present`;
  return undefined;
}

export class AgentOperatorApi {
  private readonly shared: SharedDeps<V0Response>;

  constructor(private readonly source: AgentApiSource) {
    this.shared = {
      runtime: source.runtime,
      types: AGENT_API_TYPES,
      flags: () => source.view().flags(),
      who: 'agent',
    };
  }

  handle(request: Request): Response | Promise<Response> {
    if (this.source.view().state === 'RECOVERING') {
      return { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Agent has not finished recovery' };
    }
    const decoded = decodeCall(request, CALL_TYPES, validateAgentCall, 'agent::Call');
    if (!decoded.ok) return decoded.response;
    this.source.runtime.log.info({ call: CallType[decoded.call.type] }, 'processing operator call');
    return this.dispatch(decoded.call, decoded.accept);
  }

  private dispatch(call: V0Call, accept: ContentType): Response | Promise<Response> {
    const shared = this.shared;
    const common = sharedCall(shared, call, accept);
    if (common !== undefined) return common;
    switch (call.type) {
      case CallType.GET_STATE:
        return notImplemented(
          "GET_STATE: Mesos 1.0's agent API defines no state fields (Response.GetState is empty); GET /slave(1)/state has the agent's state",
        );
      case CallType.GET_CONTAINERS:
        return this.containers(accept);
      default:
        // UNKNOWN, as Mesos answers it.
        return { status: 501, body: '' };
    }
  }

  /** getContainers: every executor not terminated, with its container's status and usage when they could be read. */
  private async containers(accept: ContentType): Promise<Response> {
    const entries = monitoredExecutors(this.source.view());
    const [statuses, usage] = await Promise.all([
      collectStatus(this.source.containerizer, entries),
      collectUsage(this.source.containerizer, entries),
    ]);
    const containers = entries.map((entry, i) => {
      const container: mesos.agent.Response.GetContainers.Container.$Properties = {
        framework_id: { value: entry.frameworkId },
        executor_id: { value: entry.executorId },
        executor_name: entry.executorName,
        container_id: { value: entry.containerId },
      };
      const status = statuses[i];
      if (status !== undefined) container.container_status = status;
      const statistics = usage[i];
      if (statistics !== undefined) container.resource_statistics = statistics;
      return container;
    });
    return okMessage(accept, AGENT_API_TYPES, { type: mesos.agent.Response.Type.GET_CONTAINERS, get_containers: { containers } });
  }
}

const HELP =
  'Endpoint for API calls against the agent (the v1 operator API): POST a mesos.v1.agent.Call as ' +
  'application/json or application/x-protobuf; the response comes in the type the Accept header prefers ' +
  '(JSON first). Returns 200 OK when the call was processed and 503 SERVICE_UNAVAILABLE while the agent recovers.';
