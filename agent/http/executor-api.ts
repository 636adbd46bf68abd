// `POST /slave(1)/api/v1/executor` on the agent: the v1 executor HTTP API of
// Mesos 1.0 (src/slave/http.cpp Slave::Http::executor,
// docs/executor-http-api.md). The agent registers it with
//
//   installExecutorApi((path, handler, options) => this.route(path, handler, options), this);
//
// SUBSCRIBE answers 200 with a RecordIO stream of events that stays open;
// UPDATE and MESSAGE answer 202 Accepted. Calls arrive as v1 and are handled
// as the v0 `mesos.executor.Call` (the same wire: Mesos's devolve()), by the
// same agent code as a driver-based executor's messages: subscription in
// executors.subscribeHttpExecutor, updates through tasks.statusUpdate and
// the status update manager, messages through tasks.executorMessage.
// Everything the agent tells the executor afterwards goes through
// executors.sendToExecutor, which writes it on the stream as a v1 event.

import type { Request, Response } from '../../libprocess/http/types.js';
import {
  accepted,
  badRequest,
  forbidden,
  methodNotAllowed,
  notAcceptable,
  notImplemented,
  serviceUnavailable,
} from '../../libprocess/http/responses.js';
import { NOT_ACCEPTABLE_TEXT, negotiateContentType } from '../../libprocess/http/media.js';
import { fromJSON, mesos } from '../../proto/index.js';
import { parseCallBody } from '../../common/http-api.js';
import { evolve } from '../../common/evolve.js';
import { EventStream } from '../../common/event-stream.js';
import { validateExecutorCall } from '../../common/executor-call.js';
import type { Agent } from '../agent.js';
import type { RouteRegistrar } from './routes.js';
import * as executors from '../executors.js';
import * as tasks from '../tasks.js';

export type { RouteRegistrar };

const CallType = mesos.executor.Call.Type;

/** Registers `/api/v1/executor` on the agent process. */
export function installExecutorApi(register: RouteRegistrar, agent: Agent): void {
  register('/api/v1/executor', (request) => executorApi(agent, request), { help: HELP });
}

/** The body as the v0 executor Call: protobuf bytes decode as v0 directly; JSON is read with the v1 names. */
function parseCall(request: Request): { ok: true; call: mesos.executor.Call } | { ok: false; response: Response } {
  return parseCallBody(request, {
    protobuf: (bytes) => mesos.executor.Call.decode(bytes),
    json: (json) => evolve(mesos.v1.executor.Call, mesos.executor.Call, fromJSON(mesos.v1.executor.Call, json)),
  });
}

/** Slave::Http::executor, check for check in Mesos 1.0's order. */
export function executorApi(agent: Agent, request: Request): Response {
  if (request.method !== 'POST') return methodNotAllowed(['POST'], request.method);
  const parsed = parseCall(request);
  if (!parsed.ok) return parsed.response;
  const call = parsed.call;
  const error = validateExecutorCall(call);
  if (error !== undefined) return badRequest(`Failed to validate Executor::Call: ${error}`);

  let contentType: ReturnType<typeof negotiateContentType>;
  if (call.type === CallType.SUBSCRIBE) {
    // No Accept header accepts everything: JSON first.
    contentType = negotiateContentType(request.headers.get('accept'));
    if (contentType === undefined) return notAcceptable(NOT_ACCEPTABLE_TEXT);
  } else if (agent.state === 'RECOVERING') {
    return serviceUnavailable('Agent has not finished recovery');
  }

  const framework = agent.frameworks.get(call.framework_id.value);
  if (framework === undefined) return badRequest('Framework cannot be found');
  const executor = framework.executors.get(call.executor_id.value);
  if (executor === undefined) return badRequest('Executor cannot be found');
  if (executor.state === 'REGISTERING' && call.type !== CallType.SUBSCRIBE) return forbidden('Executor is not subscribed');

  const log = agent.runtime.log;
  switch (call.type) {
    case CallType.SUBSCRIBE: {
      const stream = new EventStream(contentType ?? 'application/json', mesos.v1.executor.Event);
      executors.subscribeHttpExecutor(agent, stream, call.subscribe ?? {}, framework, executor);
      return {
        status: 200,
        headers: { 'Content-Type': stream.contentType },
        body: (writer) => stream.attach(writer),
      };
    }
    case CallType.UPDATE: {
      const status = call.update?.status;
      if (status === undefined) return badRequest("Failed to validate Executor::Call: Expecting 'update' to be present");
      tasks.statusUpdate(agent, tasks.createStatusUpdate(agent, framework.id, status), tasks.FROM_HTTP_EXECUTOR);
      return accepted();
    }
    case CallType.MESSAGE:
      tasks.executorMessage(agent, {
        slave_id: { value: agent.id },
        framework_id: { value: framework.id },
        executor_id: { value: executor.id },
        data: call.message?.data ?? new Uint8Array(),
      });
      return accepted();
    default:
      log.warn({ executor: executor.id, framework: framework.id }, "received 'UNKNOWN' call");
      return notImplemented();
  }
}

const HELP =
  'Endpoint for the executor HTTP API (v1): executors POST a mesos.v1.executor.Call as application/json ' +
  'or application/x-protobuf. SUBSCRIBE answers 200 OK with a chunked RecordIO stream of events in the ' +
  'type the Accept header prefers (JSON first) that stays open; UPDATE and MESSAGE answer 202 Accepted.';
