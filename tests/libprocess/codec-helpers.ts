// Shared helpers for the codec tests (not a test file itself).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { RequestParser } from '../../libprocess/transport/http-parser.js';
import type { ParseError, ParsedRequest, ParserLimits } from '../../libprocess/transport/types.js';
import { DEFAULT_LIMITS } from '../../libprocess/transport/types.js';

export function fixture(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));
}

export const CXX_PING = 'libprocess-cxx-1.11-ping.raw';
export const GO_REGISTER = 'mesos-go-0.0.6-register-framework.raw';

export interface Outcome {
  requests: ParsedRequest[];
  errors: ParseError[];
}

/** Feeds `pieces` in order to one parser. */
export function feedAll(pieces: readonly Buffer[], limits: ParserLimits = DEFAULT_LIMITS): Outcome {
  const requests: ParsedRequest[] = [];
  const errors: ParseError[] = [];
  const parser = new RequestParser(
    limits,
    (r) => requests.push(r),
    (e) => errors.push(e),
  );
  for (const piece of pieces) parser.feed(Buffer.from(piece)); // fresh copies, like socket reads
  return { requests, errors };
}

export function whole(data: Buffer | string, limits?: ParserLimits): Outcome {
  return feedAll([typeof data === 'string' ? Buffer.from(data, 'latin1') : data], limits);
}

export function byteByByte(data: Buffer | string, limits?: ParserLimits): Outcome {
  const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const pieces: Buffer[] = [];
  for (let i = 0; i < b.length; i++) pieces.push(b.subarray(i, i + 1));
  return feedAll(pieces, limits);
}

/** Deterministic pseudo-random splits (LCG seeded by `seed`). */
export function randomSplits(data: Buffer | string, seed: number, limits?: ParserLimits): Outcome {
  const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  const pieces: Buffer[] = [];
  for (let off = 0; off < b.length; ) {
    const size = 1 + (next() % 23);
    pieces.push(b.subarray(off, off + size));
    off += size;
  }
  return feedAll(pieces, limits);
}

/** Every way to cut `data` into two pieces. */
export function allTwoWaySplits(data: Buffer | string, limits?: ParserLimits): Outcome[] {
  const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const out: Outcome[] = [];
  for (let cut = 1; cut < b.length; cut++) out.push(feedAll([b.subarray(0, cut), b.subarray(cut)], limits));
  return out;
}

/** A comparable plain object for a parsed request. */
export function plain(r: ParsedRequest): Record<string, unknown> {
  return {
    method: r.method,
    url: r.url,
    minorVersion: r.minorVersion,
    headers: Object.fromEntries(r.headers),
    body: r.body.toString('latin1'),
    keepAlive: r.keepAlive,
  };
}
