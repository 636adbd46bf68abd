// HTTP request/response values seen by process routes.

export interface Request {
  method: string;
  /** Path without the query, percent-decoded, e.g. `/master/state`. */
  path: string;
  /** Raw request-target, e.g. `/master/state?jsonp=x`. */
  url: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Map<string, string>;
  body: Buffer;
  keepAlive: boolean;
  /** Peer address `ip:port`, when known. */
  client?: string;
}

/** A response body written piece by piece (chunked encoding), e.g. a RecordIO event stream. */
export interface StreamWriter {
  /** Queue bytes; returns false when the peer is slow (bytes are still queued). */
  write(data: Buffer | string): boolean;
  close(): void;
  /** Resolves when the peer closes the connection or close() is called. */
  readonly closed: Promise<void>;
  /** Bytes queued but not yet handed to the socket. */
  readonly pending: number;
}

export interface Response {
  status: number;
  headers?: Record<string, string>;
  /** A complete body, or a function that receives a writer for a chunked stream. */
  body?: Buffer | string | ((writer: StreamWriter) => void);
  /**
   * Called once when the whole response (a stream: up to its close) has been
   * handed to the kernel, or the connection is gone: from then on nothing
   * refers to the body's buffers, so they may be reused.
   */
  onSent?: () => void;
}
