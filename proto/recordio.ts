// RecordIO: the framing of Mesos's streaming HTTP APIs (the v1 scheduler and executor
// event streams, operator API subscriptions). Each record is its length in bytes as
// ASCII decimal digits, a line feed, then exactly that many bytes:
//
//   record = 1*DIGIT LF <length bytes>
//
// The decoder takes chunks cut anywhere (proxies may re-chunk the stream).

const LF = 0x0a;
const ZERO = 0x30;
const NINE = 0x39;

/** Default cap on one record's declared length: 64 MiB. */
export const DEFAULT_MAX_RECORD_SIZE = 64 * 1024 * 1024;

export type RecordIOErrorKind = 'bad-length' | 'oversize' | 'truncated' | 'failed';

/** A malformed RecordIO stream. After one, the decoder refuses further input. */
export class RecordIOError extends Error {
  override readonly name = 'RecordIOError';
  constructor(
    readonly kind: RecordIOErrorKind,
    message: string,
    /** Records completed in the same decode() call before the error. */
    readonly records: Uint8Array[] = [],
  ) {
    super(message);
  }
}

const encoder = new TextEncoder();

/** One record: `<byte length>\n<data>`. Strings are encoded as UTF-8. */
export function encodeRecord(data: Uint8Array | string): Uint8Array {
  const body = typeof data === 'string' ? encoder.encode(data) : data;
  const header = encoder.encode(`${body.byteLength}\n`);
  const out = new Uint8Array(header.byteLength + body.byteLength);
  out.set(header, 0);
  out.set(body, header.byteLength);
  return out;
}

export interface RecordIODecoderOptions {
  /** Largest accepted record length in bytes (default DEFAULT_MAX_RECORD_SIZE). */
  maxRecordSize?: number;
}

type State = 'header' | 'record' | 'failed';

/**
 * Streaming decoder. `decode(chunk)` returns the records completed by that chunk, in
 * order; a bad length line throws a RecordIOError and leaves the decoder failed.
 * Returned records may share memory with the input chunks when a record lies inside
 * one chunk.
 */
export class RecordIODecoder {
  private readonly maxRecordSize: number;
  private readonly maxHeaderDigits: number;
  private state: State = 'header';
  private headerDigits = 0;
  private length = 0;
  private parts: Uint8Array[] = [];
  private partBytes = 0;

  constructor(options: RecordIODecoderOptions = {}) {
    const max = options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
    if (!Number.isSafeInteger(max) || max < 0) throw new RangeError('maxRecordSize must be a non-negative integer');
    this.maxRecordSize = max;
    // Leading zeros are legal ("007"); allow a generous number of them, but never buffer
    // an unbounded header.
    this.maxHeaderDigits = String(max).length + 16;
  }

  /** Bytes held for an incomplete header or record. */
  get bufferedBytes(): number {
    return this.state === 'record' ? this.partBytes : this.headerDigits;
  }

  get failed(): boolean {
    return this.state === 'failed';
  }

  decode(chunk: Uint8Array): Uint8Array[] {
    if (this.state === 'failed') throw new RecordIOError('failed', 'RecordIO decoder is in a failed state');
    const records: Uint8Array[] = [];
    let i = 0;
    const n = chunk.byteLength;
    while (i < n) {
      if (this.state === 'header') {
        const c = chunk[i++] as number;
        if (c === LF) {
          if (this.headerDigits === 0) this.fail('bad-length', 'Empty RecordIO length line', records);
          this.headerDigits = 0;
          if (this.length === 0) {
            records.push(new Uint8Array(0));
          } else {
            this.state = 'record';
          }
        } else if (c >= ZERO && c <= NINE) {
          this.length = this.length * 10 + (c - ZERO);
          this.headerDigits++;
          if (this.length > this.maxRecordSize) {
            this.fail('oversize', `RecordIO record length exceeds the maximum of ${this.maxRecordSize} bytes`, records);
          }
          if (this.headerDigits > this.maxHeaderDigits) {
            this.fail('bad-length', 'RecordIO length line is too long', records);
          }
        } else {
          this.fail('bad-length', `Invalid byte 0x${c.toString(16).padStart(2, '0')} in RecordIO length line`, records);
        }
      } else {
        const need = this.length - this.partBytes;
        const take = Math.min(need, n - i);
        if (take === need && this.partBytes === 0) {
          records.push(chunk.subarray(i, i + take));
        } else {
          this.parts.push(chunk.subarray(i, i + take));
          this.partBytes += take;
          if (this.partBytes === this.length) records.push(this.joinParts());
        }
        i += take;
        if (take === need) {
          this.state = 'header';
          this.length = 0;
        }
      }
    }
    return records;
  }

  /** Signals end of stream; throws if it ends inside a header or a record. */
  end(): void {
    if (this.state === 'failed') return;
    if (this.state === 'record' || this.headerDigits > 0) {
      const held = this.bufferedBytes;
      this.state = 'failed';
      throw new RecordIOError('truncated', `RecordIO stream ended inside a record (${held} bytes pending)`);
    }
  }

  private joinParts(): Uint8Array {
    const out = new Uint8Array(this.partBytes);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    this.parts = [];
    this.partBytes = 0;
    return out;
  }

  private fail(kind: RecordIOErrorKind, message: string, records: Uint8Array[]): never {
    this.state = 'failed';
    this.parts = [];
    this.partBytes = 0;
    throw new RecordIOError(kind, message, records);
  }
}

/** Records of a byte stream, e.g. an HTTP response body; throws RecordIOError on bad framing. */
export async function* readRecords(
  stream: AsyncIterable<Uint8Array>,
  options: RecordIODecoderOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const decoder = new RecordIODecoder(options);
  for await (const chunk of stream) {
    for (const record of decoder.decode(chunk)) yield record;
  }
  decoder.end();
}
