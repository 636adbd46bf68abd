// The HTTP side of the v1 scheduler library: POSTs (common/http-client.ts)
// following 307 redirects to the leading master, and master addresses.

import { post, type PostOptions, type Posted } from '../../common/http-client.js';

export { readBody, type PostOptions, type Posted } from '../../common/http-client.js';

export class V1SchedulerError extends Error {
  override readonly name: string = 'V1SchedulerError';
}

/** A call answered with something other than 202 Accepted. */
export class V1CallError extends V1SchedulerError {
  override readonly name = 'V1CallError';
  constructor(
    readonly callType: string,
    readonly status: number,
    readonly statusText: string,
    readonly body: string,
  ) {
    super(`Received unexpected '${status} ${statusText}' (${body}) for ${callType}`);
  }
}

/**
 * The endpoint URL for a master address: `host:port` and `http(s)://host:port`
 * serve `/api/v1/scheduler` (through the master's delegate), `id@host:port`
 * serves `/<id>/api/v1/scheduler` as the C++ library does, and a URL with a
 * path is taken as is.
 */
export function schedulerUrl(master: string): URL {
  const trimmed = master.trim();
  if (/^https?:\/\//.test(trimmed)) {
    const url = new URL(trimmed);
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/api/v1/scheduler';
    return url;
  }
  const at = trimmed.indexOf('@');
  if (at >= 0) return new URL(`http://${trimmed.slice(at + 1)}/${trimmed.slice(0, at)}/api/v1/scheduler`);
  return new URL(`http://${trimmed}/api/v1/scheduler`);
}

/**
 * POSTs, following up to `maxRedirects` 307/308 redirects (Location may be
 * protocol-relative, `//leader:5050/master/api/v1/scheduler`, as Mesos
 * writes it). `onRedirect` learns each new URL.
 */
export async function postFollowingRedirects(
  url: URL,
  body: Uint8Array,
  headers: Record<string, string>,
  options: PostOptions & { maxRedirects: number; onRedirect?: (to: URL) => void },
): Promise<Posted> {
  let target = url;
  for (let redirects = 0; ; redirects++) {
    const posted = await post(target, body, headers, options);
    const status = posted.response.statusCode ?? 0;
    const location = posted.response.headers.location;
    if ((status !== 307 && status !== 308) || location === undefined || redirects >= options.maxRedirects) return posted;
    posted.response.resume();
    target = new URL(location, target);
    options.onRedirect?.(target);
  }
}
