// The client side shared by the v1 HTTP libraries (scheduler-driver/v1/,
// executor/v1/), on Node's http client: calls and events in either media
// type, one POST with a deadline for the response head, reading a small body,
// sending a SUBSCRIBE and sorting out its answer, the interruptible backoff
// between subscriptions, and reading a RecordIO event stream off a SUBSCRIBE
// response as it arrives (the C++ libraries' recordio::Reader over a
// process::http::Pipe).

import http from 'node:http';
import https from 'node:https';
import { fromJSONText, RecordIODecoder, toJSONString, type MessageCodec, type MessageOf } from '../proto/index.js';
import { errorText } from './errors.js';

/** The encodings the v1 libraries speak, by the names their options take. */
export type ContentTypeName = 'json' | 'protobuf';

export const MEDIA_TYPES: Record<ContentTypeName, string> = {
  json: 'application/json',
  protobuf: 'application/x-protobuf',
};

/** `message` of `type` as a body in `mediaType`: protobuf bytes, or Mesos JSON. */
export function encodeAs<T extends object>(type: MessageCodec<T>, message: T, mediaType: string): Uint8Array {
  return mediaType === MEDIA_TYPES.protobuf ? type.encode(message).finish() : Buffer.from(toJSONString(type, message));
}

/** A record of `type` in `mediaType` (protobuf bytes, or Mesos JSON). */
export function decodeAs<C extends MessageCodec>(type: C, record: Uint8Array, mediaType: string): MessageOf<C> {
  return mediaType === MEDIA_TYPES.protobuf ? (type.decode(record) as MessageOf<C>) : fromJSONText(type, Buffer.from(record).toString('utf8'));
}

/** A request that got no answer in time, or whose answer broke off. */
export class HttpClientError extends Error {
  override readonly name = 'HttpClientError';
}

export interface PostOptions {
  agent: http.Agent | false;
  /** Fails the request when no response head arrives in time. */
  timeoutMs: number;
  /** Aborts the request (e.g. the library is closing). */
  signal?: AbortSignal;
}

export interface Posted {
  url: URL;
  request: http.ClientRequest;
  response: http.IncomingMessage;
}

/** One POST; resolves once the response head is in (the body is still to be read). */
export function post(url: URL, body: Uint8Array, headers: Record<string, string>, options: PostOptions): Promise<Posted> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'POST',
      agent: options.agent,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      headers: { ...headers, 'Content-Length': String(body.byteLength) },
    });
    const timer = setTimeout(
      () => request.destroy(new HttpClientError(`No response from ${url.host} within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.once('response', (response) => {
      clearTimeout(timer);
      resolve({ url, request, response });
    });
    request.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
}

/** Reads a whole (small) response body as text. */
export function readBody(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.once('error', reject);
    response.once('aborted', () => reject(new HttpClientError('response aborted')));
  });
}

export interface RecordStreamHandlers {
  /** Bytes arrived (any: a liveness signal for heartbeat watchdogs). */
  onData?(): void;
  /** One complete record, in order. */
  onRecord(record: Uint8Array): void;
  /**
   * The stream is over: the peer closed it (`End-Of-File received from
   * <peer>. The <peer> closed the event stream`), its framing is broken
   * (`Failed to decode the stream of events: ...`), or the connection broke
   * (`Subscribe connection interrupted`). Called once, never after stop().
   */
  onEnd(reason: string): void;
}

export interface RecordStreamReader {
  /** Stops reading and closes the connection; no handler runs afterwards. */
  stop(): void;
}

/** Reads the RecordIO records of a streaming response; `peer` names the other side in the end-of-stream text. */
export function readRecordStream(
  request: http.ClientRequest,
  response: http.IncomingMessage,
  peer: string,
  handlers: RecordStreamHandlers,
): RecordStreamReader {
  const decoder = new RecordIODecoder();
  let done = false;
  const stop = (): void => {
    if (done) return;
    done = true;
    request.destroy();
  };
  const end = (reason: string): void => {
    if (done) return;
    stop();
    handlers.onEnd(reason);
  };
  response.on('data', (chunk: Buffer) => {
    if (done) return;
    handlers.onData?.();
    let records: Uint8Array[];
    try {
      records = decoder.decode(chunk);
    } catch (error) {
      end(`Failed to decode the stream of events: ${errorText(error)}`);
      return;
    }
    for (const record of records) {
      if (done) return;
      handlers.onRecord(record);
    }
  });
  response.once('end', () => end(`End-Of-File received from ${peer}. The ${peer} closed the event stream`));
  response.once('aborted', () => end('Subscribe connection interrupted'));
  response.once('error', (error) => end(`Subscribe connection interrupted: ${errorText(error)}`));
  request.once('error', (error) => end(`Subscribe connection interrupted: ${errorText(error)}`));
  response.once('close', () => end('Subscribe connection closed'));
  return { stop };
}

/** What became of a library's SUBSCRIBE request (subscribeRequest). */
export type SubscribeAnswer =
  | { kind: 'stop' }
  | { kind: 'retry'; reason: string }
  /** Refused for good: the text of the ERROR event the library injects. */
  | { kind: 'refused'; message: string }
  /** 200: the event stream, in `mediaType`. */
  | { kind: 'streaming'; request: http.ClientRequest; response: http.IncomingMessage; mediaType: string };

/** Sets (or, with undefined, clears) what cancels whatever a library's subscription loop is waiting for. */
export type SetInterrupt = (interrupt: (() => void) | undefined) => void;

export interface SubscribeRequest {
  /** POSTs the SUBSCRIBE, aborted through `signal` when the library closes meanwhile. */
  post(signal: AbortSignal): Promise<Posted>;
  setInterrupt: SetInterrupt;
  /** Whether the library is closing (asked once the request is answered or failed). */
  stopping(): boolean;
  /** Answers other than 200 that mean "try again later" (a peer recovering, not leading, not serving the endpoint yet). */
  retryStatuses: readonly number[];
  /** The media type asked for, taken for the stream when the response does not name one. */
  contentType: string;
}

/**
 * Sends a v1 library's SUBSCRIBE and sorts out the answer as the C++
 * libraries do: a failed request is retried, so is a status in
 * `retryStatuses`; any other status but 200 is refused for good (`Received
 * unexpected '<status> <text>' (<body>) for SUBSCRIBE`); closing meanwhile
 * stops.
 */
export async function subscribeRequest(subscribe: SubscribeRequest): Promise<SubscribeAnswer> {
  let posted: Posted;
  const abort = new AbortController();
  subscribe.setInterrupt(() => abort.abort());
  try {
    posted = await subscribe.post(abort.signal);
  } catch (error) {
    subscribe.setInterrupt(undefined);
    if (subscribe.stopping()) return { kind: 'stop' };
    return { kind: 'retry', reason: `SUBSCRIBE failed: ${errorText(error)}` };
  }
  subscribe.setInterrupt(undefined);
  if (subscribe.stopping()) {
    posted.request.destroy();
    return { kind: 'stop' };
  }
  const { response, request } = posted;
  const status = response.statusCode ?? 0;
  if (status !== 200) {
    const body = await readBody(response).catch(() => '');
    if (subscribe.retryStatuses.includes(status)) {
      return { kind: 'retry', reason: `Received '${status} ${response.statusMessage ?? ''}' (${body}) for SUBSCRIBE` };
    }
    return { kind: 'refused', message: `Received unexpected '${status} ${response.statusMessage ?? ''}' (${body}) for SUBSCRIBE` };
  }
  const contentType = subscribe.contentType;
  const mediaType = (response.headers['content-type'] ?? contentType).split(';')[0]?.trim() ?? contentType;
  return { kind: 'streaming', request, response, mediaType };
}

/** Waits `ms` (a backoff between subscriptions), or less when interrupted through `setInterrupt`. */
export async function interruptibleSleep(ms: number, setInterrupt: SetInterrupt): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    setInterrupt(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  setInterrupt(undefined);
}

