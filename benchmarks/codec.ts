// Micro-benchmark of the byte-level codec: parse and encode Mesos-1.0-style
// libprocess message frames with 100-byte bodies.
//
//   node --import tsx benchmarks/codec.ts
//
// Prints `BENCH codec.parse_messages <n> msg/s` and
// `BENCH codec.encode_messages <n> msg/s` (best of several rounds).

import { pathToFileURL } from 'node:url';

import { RequestParser } from '../libprocess/transport/http-parser.js';
import { MessageEncoder } from '../libprocess/transport/message-encoder.js';
import { DEFAULT_LIMITS } from '../libprocess/transport/types.js';

const FROM = 'slave(1)@10.0.0.17:5051';
const TO = 'master';
const NAME = 'mesos.internal.StatusUpdateMessage';
/** Rotating names of different lengths: defeats the repeated-head fast path. */
const MIXED_NAMES = [
  'mesos.internal.StatusUpdateMessage',
  'mesos.internal.PingSlaveMessage',
  'mesos.internal.ResourceOffersMessage',
  'mesos.internal.RunTaskMessage',
];
const BODY_BYTES = 100;
const FEED_BYTES = 64 * 1024;
const ROUNDS = 7;

function frames(count: number, names: readonly string[]): Buffer {
  const encoder = new MessageEncoder(FROM, TO);
  const body = Buffer.alloc(BODY_BYTES, 0x61);
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) parts.push(encoder.encode(names[i % names.length] ?? NAME, body));
  return Buffer.concat(parts);
}

function split(data: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  // Fresh copies, like socket reads.
  for (let off = 0; off < data.length; off += size) chunks.push(Buffer.from(data.subarray(off, off + size)));
  return chunks;
}

function benchParse(count: number, names: readonly string[]): number {
  const chunks = split(frames(count, names), FEED_BYTES);
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let parsed = 0;
    let bodyBytes = 0;
    const parser = new RequestParser(
      DEFAULT_LIMITS,
      (r) => {
        parsed++;
        bodyBytes += r.body.length;
      },
      (e) => {
        throw new Error(`parse error in benchmark: ${e.code} ${e.message}`);
      },
    );
    const start = process.hrtime.bigint();
    for (const chunk of chunks) parser.feed(chunk);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (parsed !== count || bodyBytes !== count * BODY_BYTES) throw new Error('benchmark parsed wrong count');
    best = Math.max(best, count / seconds);
  }
  return best;
}

function benchEncode(count: number): number {
  const body = Buffer.alloc(BODY_BYTES, 0x61);
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const encoder = new MessageEncoder(FROM, TO);
    let bytes = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) bytes += encoder.encode(NAME, body).length;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (bytes === 0) throw new Error('nothing encoded');
    best = Math.max(best, count / seconds);
  }
  return best;
}

export async function run(): Promise<void> {
  const count = 500_000;
  // Warm the JIT on both workloads so the first figure is not penalised.
  benchParse(50_000, MIXED_NAMES);
  benchParse(50_000, [NAME]);
  const parse = benchParse(count, [NAME]);
  console.log(`BENCH codec.parse_messages ${Math.round(parse)} msg/s`);
  const mixed = benchParse(count, MIXED_NAMES);
  console.log(`BENCH codec.parse_messages_mixed_names ${Math.round(mixed)} msg/s`);
  const encode = benchEncode(count);
  console.log(`BENCH codec.encode_messages ${Math.round(encode)} msg/s`);
  await Promise.resolve();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
