// The request side shared by the v1 HTTP APIs (src/master/http.cpp
// Master::Http::scheduler and ::api, src/slave/http.cpp Slave::Http::api and
// ::executor all parse their body the same way): a `Content-Type` of JSON or
// protobuf, then the body as the API's `Call`, with Mesos's error texts.

import type { Request, Response } from '../libprocess/http/types.js';
import { badRequest, unsupportedMediaType } from '../libprocess/http/responses.js';
import { APPLICATION_JSON, APPLICATION_PROTOBUF } from '../libprocess/http/media.js';
import { errorText } from './errors.js';

/** How one API turns a body into its call: from protobuf bytes, from parsed JSON (both throw on failure). */
export interface CallDecoders<T> {
  readonly protobuf: (bytes: Uint8Array) => T;
  readonly json: (value: unknown) => T;
}

export type ParsedCall<T> = { ok: true; call: T } | { ok: false; response: Response };

/**
 * The body of `request` as a call, or the 400/415 answer Mesos gives:
 * `Expecting 'Content-Type' to be present`, `Failed to parse body into Call
 * protobuf`, `Failed to parse body into JSON: <error>`, `Failed to convert
 * JSON into Call protobuf: <error>`, `Expecting 'Content-Type' of
 * application/json or application/x-protobuf` (415). The Content-Type is
 * compared exactly, as 1.0 does.
 */
export function parseCallBody<T>(request: Request, decoders: CallDecoders<T>): ParsedCall<T> {
  const contentType = request.headers.get('content-type');
  if (contentType === undefined) return { ok: false, response: badRequest("Expecting 'Content-Type' to be present") };
  if (contentType === APPLICATION_PROTOBUF) {
    try {
      return { ok: true, call: decoders.protobuf(request.body) };
    } catch {
      return { ok: false, response: badRequest('Failed to parse body into Call protobuf') };
    }
  }
  if (contentType === APPLICATION_JSON) {
    let json: unknown;
    try {
      json = JSON.parse(request.body.toString('utf8'));
    } catch (error) {
      return { ok: false, response: badRequest(`Failed to parse body into JSON: ${errorText(error)}`) };
    }
    try {
      return { ok: true, call: decoders.json(json) };
    } catch (error) {
      return { ok: false, response: badRequest(`Failed to convert JSON into Call protobuf: ${errorText(error)}`) };
    }
  }
  return {
    ok: false,
    response: unsupportedMediaType(`Expecting 'Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}`),
  };
}

