// Response constructors mirroring libprocess's http::OK, Accepted, BadRequest, ...
// (3rdparty/libprocess/include/process/http.hpp).

import type { Response } from './types.js';

export function ok(body: Buffer | string = '', contentType?: string): Response {
  const headers: Record<string, string> = {};
  if (contentType !== undefined) headers['Content-Type'] = contentType;
  return { status: 200, headers, body };
}

/** 200 with a JSON body; with `jsonp` the body becomes `jsonp(<json>);` as JavaScript. */
export function okJSON(json: string, jsonp?: string | null): Response {
  if (jsonp !== undefined && jsonp !== null && jsonp !== '') {
    return { status: 200, headers: { 'Content-Type': 'text/javascript' }, body: `${jsonp}(${json});` };
  }
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: json };
}

export function accepted(body = ''): Response {
  return { status: 202, body };
}

export function badRequest(message = ''): Response {
  return textResponse(400, message);
}

export function unauthorized(realm: string, message = ''): Response {
  return { status: 401, headers: { 'WWW-Authenticate': `Basic realm="${realm}"` }, body: message };
}

export function forbidden(message = ''): Response {
  return textResponse(403, message);
}

export function notFound(message = ''): Response {
  return textResponse(404, message);
}

export function methodNotAllowed(allowed: readonly string[], requested?: string): Response {
  const message =
    requested === undefined
      ? ''
      : `Expecting one of { '${allowed.join("', '")}' }, but received '${requested}'`;
  return { status: 405, headers: { Allow: allowed.join(', ') }, body: message };
}

export function notAcceptable(message = ''): Response {
  return textResponse(406, message);
}

export function conflict(message = ''): Response {
  return textResponse(409, message);
}

export function unsupportedMediaType(message = ''): Response {
  return textResponse(415, message);
}

export function internalServerError(message = ''): Response {
  return textResponse(500, message);
}

export function notImplemented(message = ''): Response {
  return textResponse(501, message);
}

export function serviceUnavailable(message = ''): Response {
  return textResponse(503, message);
}

export function temporaryRedirect(location: string): Response {
  return { status: 307, headers: { Location: location }, body: '' };
}

function textResponse(status: number, message: string): Response {
  return message === ''
    ? { status, body: '' }
    : { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: message };
}
