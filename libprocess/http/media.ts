// Media types of the v1 HTTP APIs and libprocess's Accept matching
// (3rdparty/libprocess/src/http.cpp Request::acceptsMediaType). Shared by
// every endpoint that answers JSON or protobuf: the master's scheduler and
// operator APIs, the agent's operator and executor APIs.

export const APPLICATION_JSON = 'application/json';
export const APPLICATION_PROTOBUF = 'application/x-protobuf';

/** What an API response or event stream is written in. */
export type ApiContentType = typeof APPLICATION_JSON | typeof APPLICATION_PROTOBUF;

/** The 406 text of every v1 API. */
export const NOT_ACCEPTABLE_TEXT = `Expecting 'Accept' to allow '${APPLICATION_PROTOBUF}' or '${APPLICATION_JSON}'`;

/**
 * Request::acceptsMediaType over the `Accept` header value: no header
 * accepts everything; otherwise `type/subtype`, then `type/*`, then `*\/*`
 * is looked for (case-insensitive, spaces ignored), and the first match
 * decides: a single `q` of 0 (or one that is not a positive number) refuses,
 * no `q` (or several) accepts.
 */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  const parts = mediaType.split('/').filter((part) => part !== '');
  if (parts.length !== 2) return false;
  if (accept === undefined) return true;
  const ranges = accept
    .replace(/[ \t\n]/g, '')
    .split(',')
    .filter((range) => range !== '');
  const candidates = [mediaType, `${parts[0] ?? ''}/*`, '*/*'].map((c) => c.toLowerCase());
  for (const candidate of candidates) {
    for (const range of ranges) {
      const tokens = range.split(';').filter((token) => token !== '');
      if (tokens.length === 0 || (tokens[0] ?? '').toLowerCase() !== candidate) continue;
      // strings::pairs: only `key=value` tokens count.
      const q: string[] = [];
      for (const token of tokens) {
        const pair = token.split('=').filter((p) => p !== '');
        if (pair.length === 2 && pair[0] === 'q') q.push(pair[1] ?? '');
      }
      if (q.length !== 1) return true;
      const value = Number(q[0]);
      return q[0] !== '' && Number.isFinite(value) && value > 0;
    }
  }
  return false;
}

/** The content type to answer in: JSON when the client takes it, else protobuf, else undefined (406). */
export function negotiateContentType(accept: string | undefined): ApiContentType | undefined {
  if (acceptsMediaType(accept, APPLICATION_JSON)) return APPLICATION_JSON;
  if (acceptsMediaType(accept, APPLICATION_PROTOBUF)) return APPLICATION_PROTOBUF;
  return undefined;
}
