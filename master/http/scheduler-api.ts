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
  unsupportedMediaType,
} from '../../libprocess/http/responses.js';
import { fromJSON, mesos } from '../../proto/index.js';
import type { Master } from '../master.js';
import * as frameworks from '../frameworks.js';
import { validateSchedulerCall } from '../validation.js';
import { redirectToLeader } from './routes.js';
import { SchedulerStream, type StreamContentType } from './scheduler-stream.js';

export const APPLICATION_JSON = 'application/json';
export const APPLICATION_PROTOBUF = 'application/x-protobuf';
export const STREAM_ID_HEADER = 'Mesos-Stream-Id';

type RouteRegistrar = (path: string, handler: RouteHandler, options?: RouteOptions) => void;

/** Registers `/api/v1/scheduler` on the master process. */
export function installSchedulerApi(register: RouteRegistrar, master: Master): void {
  register('/api/v1/scheduler', (request) => schedulerApi(master, request), { help: HELP });
}

/**
 * Request.acceptsMediaType (3rdparty/libprocess/src/http.cpp): no Accept
 * header accepts everything; otherwise `type/subtype`, then `type/*`, then
 * `*\/*` must be listed without `q=0`.
 */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  const parts = mediaType.split('/');
  if (parts.length !== 2) return false;
  if (accept === undefined) return true;
  const entries = accept
    .replace(/[ \t\n]/g, '')
    .split(',')
    .filter((entry) => entry !== '');
  for (const candidate of [mediaType, `${parts[0] ?? ''}/*`, '*/*']) {
    for (const entry of entries) {
      const tokens = entry.split(';').filter((token) => token !== '');
      if (tokens.length === 0 || (tokens[0] ?? '').toLowerCase() !== candidate.toLowerCase()) continue;
      // strings::pairs: `key=value` tokens only; no single q value means accepted.
      const q = tokens
        .map((token) => token.split('=').filter((part) => part !== ''))
        .filter((pair) => pair.length === 2 && pair[0] === 'q')
        .map((pair) => pair[1] ?? '');
      if (q.length !== 1) return true;
      const value = Number(q[0]);
      return Number.isFinite(value) && value > 0;
    }
  }
  return false;
}

/** Parses the body by Content-Type into a v1 Call, or the error response. */
function parseCall(request: Request): mesos.v1.scheduler.Call | Response {
  const contentType = request.headers.get('content-type');
  if (contentType === undefined) return badRequest("Expecting 'Content-Type' to be present");
  if (contentType === APPLICATION_PROTOBUF) {
    try {
      return mesos.v1.scheduler.Call.decode(request.body);
    } catch {
      return badRequest('Failed to parse body into Call protobuf');
    }
  }
  if (contentType === APPLICATION_JSON) {
    let json: unknown;
    try {
      json = JSON.parse(request.body.toString('utf8'));
    } catch (error) {
      return badRequest(`Failed to parse body into JSON: ${errorText(error)}`);
    }
    try {
      return fromJSON(mesos.v1.scheduler.Call, json);
    } catch (error) {
      return badRequest(`Failed to convert JSON into Call protobuf: ${errorText(error)}`);
    }
  }
  return unsupportedMediaType(`Expecting 'Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  const accept = request.headers.get('accept');
  let contentType: StreamContentType;
  if (acceptsMediaType(accept, APPLICATION_JSON)) contentType = APPLICATION_JSON;
  else if (acceptsMediaType(accept, APPLICATION_PROTOBUF)) contentType = APPLICATION_PROTOBUF;
  else return notAcceptable(`Expecting 'Accept' to allow '${APPLICATION_PROTOBUF}' or '${APPLICATION_JSON}'`);

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
