// `POST /api/v1/scheduler` (served as /master/api/v1/scheduler): the v1
// scheduler HTTP API of Mesos 1.0 (src/master/http.cpp
// Master::Http::scheduler, docs/scheduler-http-api.md).
//
// A SUBSCRIBE call answers 200 with a RecordIO event stream that stays open
// and a `Mesos-Stream-Id`; every other call answers 202 Accepted and must
// carry that stream id. Calls are converted to the v0 `mesos.scheduler.Call`
// the driver path uses ("devolve": the same field numbers), validated by
// master/validation.ts and carried out by the same handlers as the driver's
// calls (frameworks.handleCall). Everything the master tells the framework
// afterwards goes through Master.sendToFramework, which converts it to a v1
// event (master/v1-events.ts) and writes it on the stream.

import type { RouteHandler, RouteOptions } from '../../libprocess/process.js';
import type { Request, Response } from '../../libprocess/http/types.js';
import {
  badRequest,
  forbidden,
  methodNotAllowed,
  notAcceptable,
  notImplemented,
  serviceUnavailable,
} from '../../libprocess/http/responses.js';
import {
  APPLICATION_JSON,
  APPLICATION_PROTOBUF,
  NOT_ACCEPTABLE_TEXT,
  acceptsMediaType,
  negotiateContentType,
} from '../../libprocess/http/media.js';
import { parseCallBody } from '../../common/http-api.js';
import { fromJSON, mesos } from '../../proto/index.js';
import type { Master } from '../master.js';
import * as frameworks from '../frameworks.js';
import { validateSchedulerCall } from '../validation.js';
import { redirectToLeader } from './routes.js';
import { SchedulerStream, type StreamContentType } from './scheduler-stream.js';

export { APPLICATION_JSON, APPLICATION_PROTOBUF, acceptsMediaType };
export const STREAM_ID_HEADER = 'Mesos-Stream-Id';

type RouteRegistrar = (path: string, handler: RouteHandler, options?: RouteOptions) => void;

/** Registers `/api/v1/scheduler` on the master process. */
export function installSchedulerApi(register: RouteRegistrar, master: Master): void {
  register('/api/v1/scheduler', (request) => schedulerApi(master, request), { help: HELP });
}

/** The body as a v1 Call, or the error response (common/http-api.ts). */
function parseCall(request: Request): mesos.v1.scheduler.Call | Response {
  const parsed = parseCallBody(request, {
    protobuf: (bytes) => mesos.v1.scheduler.Call.decode(bytes),
    json: (json) => fromJSON(mesos.v1.scheduler.Call, json),
  });
  return parsed.ok ? parsed.call : parsed.response;
}

/** The v1 call as the v0 call the master handles (the same wire format). */
function devolve(call: mesos.v1.scheduler.Call): mesos.scheduler.Call {
  return mesos.scheduler.Call.decode(mesos.v1.scheduler.Call.encode(call).finish());
}

/** Master::Http::scheduler, check for check in Mesos 1.0's order. */
export function schedulerApi(master: Master, request: Request): Response {
  if (master.electedTime === undefined) return redirectToLeader(request, master.leader());
  if (!master.recovered) return serviceUnavailable('Master has not finished recovery');
  if (request.method !== 'POST') return methodNotAllowed(['POST'], request.method);

  const parsed = parseCall(request);
  if (!(parsed instanceof mesos.v1.scheduler.Call)) return parsed;
  let call: mesos.scheduler.Call;
  try {
    call = devolve(parsed);
  } catch {
    return badRequest('Failed to parse body into Call protobuf');
  }
  const error = validateSchedulerCall(call);
  if (error !== undefined) return badRequest(`Failed to validate scheduler::Call: ${error}`);

  const Type = mesos.scheduler.Call.Type;
  if (call.type === Type.SUBSCRIBE) return subscribe(master, request, call);

  const framework = master.state.frameworks.get(call.framework_id?.value ?? '');
  if (framework === undefined) return badRequest('Framework cannot be found');
  if (!framework.connected) return forbidden('Framework is not subscribed');
  const connection = framework.connection;
  if (connection.kind !== 'http') return forbidden('Framework is not connected via HTTP');
  const streamId = request.headers.get(STREAM_ID_HEADER.toLowerCase());
  if (streamId === undefined) {
    return badRequest(`All non-subscribe calls should include the '${STREAM_ID_HEADER}' header`);
  }
  if (streamId !== connection.streamId) {
    return badRequest(
      "The stream ID included in this request didn't match the stream ID currently associated with " +
        `framework ID '${framework.id}'`,
    );
  }

  if (call.type === Type.UNKNOWN) {
    master.runtime.log.warn({ framework: framework.id }, "received 'UNKNOWN' call");
    return notImplemented();
  }
  if (call.type === Type.TEARDOWN) {
    // The HTTP path removes the framework directly (Master::removeFramework).
    frameworks.remove(master, framework);
    return { status: 202, body: '' };
  }
  if (!frameworks.handleCall(master, framework, call)) return notImplemented();
  return { status: 202, body: '' };
}

function subscribe(master: Master, request: Request, call: mesos.scheduler.Call): Response {
  const contentType: StreamContentType | undefined = negotiateContentType(request.headers.get('accept'));
  if (contentType === undefined) return notAcceptable(NOT_ACCEPTABLE_TEXT);

  if (request.headers.has(STREAM_ID_HEADER.toLowerCase())) {
    return badRequest(`Subscribe calls should not include the '${STREAM_ID_HEADER}' header`);
  }
  const subscription = call.subscribe;
  if (subscription === undefined || subscription === null) return badRequest("Expecting 'subscribe' to be present");

  const stream = new SchedulerStream({
    contentType,
    heartbeatIntervalMs: master.heartbeatIntervalMs,
    schedule: (ms, fn) => master.delay(ms, fn),
  });
  frameworks.subscribeHttp(master, stream, subscription);
  return {
    status: 200,
    headers: { 'Content-Type': contentType, [STREAM_ID_HEADER]: stream.streamId },
    body: (writer) => stream.attach(writer),
  };
}

const HELP =
  'Endpoint for schedulers to make calls against the master (the v1 scheduler HTTP API). ' +
  'POST a JSON or protobuf `Call`; SUBSCRIBE answers a RecordIO stream of events with a ' +
  '`Mesos-Stream-Id` header that every other call must carry. Returns 307 TEMPORARY_REDIRECT ' +
  'to the leading master when this master is not the leader.';
