// Shared contracts between the byte-level codec (pure, no sockets) and the
// socket layer (server.ts / connections.ts). Kept free of runtime imports.

/** One HTTP/1.x request head + complete body, as read off a socket. */
export interface ParsedRequest {
  method: string;
  /**
   * Raw request-target exactly as sent, e.g. `/master/mesos.internal.Foo` or
   * `/state?x=1`, one char per byte (latin1); classify() decodes it.
   */
  url: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minorVersion: 0 | 1;
  /**
   * Header names lower-cased; when a name repeats, values are joined with ", "
   * (RFC 7230 section 3.2.2). From RequestParser this is a read-only
   * RequestHeaders (http-head.ts), possibly shared with other requests of the
   * same connection that had byte-identical headers: copy it to edit.
   */
  headers: Map<string, string>;
  body: Buffer;
  /** Whether the connection stays open after this request (version + Connection header). */
  keepAlive: boolean;
}

/** Why a connection's input was rejected. Each maps to a metric and a log line. */
export type ParseErrorCode =
  | 'bad_request_line'
  | 'bad_header'
  | 'headers_too_large'
  | 'body_too_large'
  | 'bad_chunk'
  | 'bad_content_length'
  | 'unsupported_transfer_encoding'
  /** `Content-Encoding: gzip` body that does not inflate (libprocess inflates such bodies). */
  | 'bad_content_encoding';

export interface ParseError {
  code: ParseErrorCode;
  message: string;
  /** HTTP status to answer with before closing (400, 413, 431, 501). */
  status: number;
}

export interface ParserLimits {
  /** Max bytes of request line + headers (default 64 KiB). */
  maxHeaderBytes: number;
  /** Max bytes of a body after de-chunking (default 64 MiB). */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: ParserLimits = {
  maxHeaderBytes: 64 * 1024,
  maxBodyBytes: 64 * 1024 * 1024,
};
