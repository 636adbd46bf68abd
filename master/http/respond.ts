// `OK(json, jsonp)` as libprocess builds it (3rdparty/libprocess/src/http.cpp):
// with a `jsonp` query parameter (even an empty one) the body becomes
// `<jsonp>(<json>);` served as text/javascript, otherwise application/json.

import type { Request, Response } from '../../libprocess/http/types.js';
import { JsonSink } from './sink.js';

function wrap(jsonp: string | null, body: string): Response {
  return {
    status: 200,
    headers: { 'Content-Type': jsonp === null ? 'application/json' : 'text/javascript' },
    body,
  };
}

/** A small JSON text as a response. */
export function jsonResponse(json: string, request: Pick<Request, 'query'>): Response {
  const jsonp = request.query.get('jsonp');
  return wrap(jsonp, jsonp === null ? json : `${jsonp}(${json});`);
}

/** Renders a (possibly large) JSON body through a JsonSink. */
export function sinkJsonResponse(request: Pick<Request, 'query'>, write: (sink: JsonSink) => void): Response {
  const jsonp = request.query.get('jsonp');
  const sink = new JsonSink();
  if (jsonp !== null) sink.add(`${jsonp}(`);
  write(sink);
  if (jsonp !== null) sink.add(');');
  return wrap(jsonp, sink.finish());
}
