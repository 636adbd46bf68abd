// The HTTP plumbing of the v1 operator API (`POST /api/v1` on the master and
// the agent), shared by both: method and Content-Type checks, decoding the
// Call from JSON or protobuf, Accept negotiation and rendering responses
// (src/master/http.cpp Master::Http::api, src/slave/http.cpp
// Slave::Http::api, src/common/http.cpp serialize, libprocess's
// Request::acceptsMediaType).
//
// Responses are built as v0 messages (`mesos.master.Response`,
// `mesos.agent.Response`), the shapes the model holds, and leave as v1: the
// two share field numbers, so the protobuf bytes are the same and the JSON
// is the v1 type's rendering of those bytes (field names such as `agent_id`
// for v0's `slave_id`), keys sorted as Mesos's JSON::Object writes them.

import type { Request, Response } from '../../libprocess/http/types.js';
import { badRequest, methodNotAllowed, notAcceptable } from '../../libprocess/http/responses.js';
import {
  APPLICATION_JSON,
  APPLICATION_PROTOBUF,
  NOT_ACCEPTABLE_TEXT,
  acceptsMediaType as acceptsMediaTypeIn,
  negotiateContentType,
  type ApiContentType,
} from '../../libprocess/http/media.js';
import { fromJSON, toJSONString, type MessageCodec } from '../../proto/index.js';
import { parseCallBody } from '../../common/http-api.js';

export { APPLICATION_JSON, APPLICATION_PROTOBUF };

/** What a response or event stream is written in. */
export type ContentType = ApiContentType;

/** Request::acceptsMediaType over the request's `Accept` header (libprocess/http/media.ts). */
export function acceptsMediaType(headers: ReadonlyMap<string, string>, mediaType: string): boolean {
  return acceptsMediaTypeIn(headers.get('accept'), mediaType);
}

/** The response content type: JSON when the client takes it, else protobuf, else none (406). */
export function negotiate(headers: ReadonlyMap<string, string>): ContentType | undefined {
  return negotiateContentType(headers.get('accept'));
}

export const NOT_ACCEPTABLE = NOT_ACCEPTABLE_TEXT;

/** The two generated classes of one API message: v0 (what is built) and v1 (what the client sees). */
export interface ApiTypes<V0 extends object> {
  readonly v0: MessageCodec<V0>;
  readonly v1: MessageCodec;
}

export type DecodedCall<V0> =
  | { ok: true; call: V0; accept: ContentType }
  | { ok: false; response: Response };

/**
 * The common front of Master::Http::api and Slave::Http::api after the
 * daemon's own checks: POST only, a Content-Type of JSON or protobuf, a body
 * that parses into the v1 Call, the daemon's validation (`label` names it in
 * the error, e.g. `master::Call`), and an Accept the API can answer.
 */
export function decodeCall<V0 extends object>(
  request: Request,
  types: ApiTypes<V0>,
  validate: (call: V0) => string | undefined,
  label: string,
): DecodedCall<V0> {
  if (request.method !== 'POST') return { ok: false, response: methodNotAllowed(['POST'], request.method) };
  const parsed = parseCallBody(request, {
    // v0 and v1 calls share the wire; decoding as v0 is the devolve().
    protobuf: (bytes) => types.v0.decode(bytes),
    json: (json) => types.v0.decode(types.v1.encode(fromJSON(types.v1, json)).finish()),
  });
  if (!parsed.ok) return parsed;
  const call = parsed.call;
  const error = validate(call);
  if (error !== undefined) return { ok: false, response: badRequest(`Failed to validate ${label}: ${error}`) };
  const accept = negotiate(request.headers);
  if (accept === undefined) return { ok: false, response: notAcceptable(NOT_ACCEPTABLE) };
  return { ok: true, call, accept };
}

/** serialize(contentType, evolve(message)): protobuf bytes, or the v1 JSON text. */
export function serialize<V0 extends object>(contentType: ContentType, types: ApiTypes<V0>, message: V0): Buffer | string {
  const bytes = types.v0.encode(message).finish();
  if (contentType === APPLICATION_PROTOBUF) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return jsonOfBytes(types.v1, bytes);
}

/** The v1 JSON of a message's bytes (sorted keys, as Mesos's API responses). */
export function jsonOfBytes(v1: MessageCodec, bytes: Uint8Array): string {
  return toJSONString(v1, v1.decode(bytes));
}

/** `OK(serialize(contentType, message), contentType)`. */
export function okMessage<V0 extends object>(contentType: ContentType, types: ApiTypes<V0>, message: V0): Response {
  return ok(contentType, serialize(contentType, types, message));
}

export function ok(contentType: ContentType, body: Buffer | string): Response {
  return { status: 200, headers: { 'Content-Type': contentType }, body };
}

/** 200 with no body (SET_LOGGING_LEVEL and the other calls that answer nothing). */
export function okEmpty(): Response {
  return { status: 200, body: '' };
}

/** A call this build cannot carry out: 501 with a text naming what is missing. */
export function notImplemented(message: string): Response {
  return { status: 501, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: message };
}
