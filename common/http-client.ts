// The client side shared by the v1 HTTP libraries (scheduler-driver/v1/,
// executor/v1/), on Node's http client: one POST with a deadline for the
// response head, reading a small body, and reading a RecordIO event stream
// off a SUBSCRIBE response as it arrives (the C++ libraries' recordio::Reader
// over a process::http::Pipe).

import http from 'node:http';
import https from 'node:https';
import { RecordIODecoder } from '../proto/index.js';

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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
