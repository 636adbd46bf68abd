// Value types for daemon flags: how a flag's text becomes a typed value, and how a value
// is printed back (help defaults, the /flags endpoint).
//
// Facts from Mesos 1.0 (3rdparty/stout/include/stout/flags/parse.hpp, fetch.hpp,
// duration.hpp, bytes.hpp, src/common/parse.hpp, src/messages/flags.hpp):
// - booleans accept exactly `true`, `1`, `false`, `0`;
// - numbers go through `std::istringstream >> T`: leading blanks allowed, the whole
//   text must be consumed, no hex;
// - durations are `<digits and dots><unit>` with units ns|us|ms|secs|mins|hrs|days|weeks,
//   no sign, no blanks;
// - byte sizes are `<digits><unit>` with units B|KB|MB|GB|TB (any case, powers of 1024),
//   fractions rejected;
// - JSON-object flags (and the protobuf flags parsed from JSON: ACLs, Firewall,
//   RateLimits, Modules, ContainerInfo) also accept a bare absolute path `/x/y` and read
//   the file (deprecated in favour of `file://`);
// - Path flags keep their text as is: no `file://` fetching.
//
// Parsing is done by zod schemas (string in, typed value out); failures carry stout's
// wording as the issue message.

import { z } from 'zod';
import { fromJSON, toJSONString, type MessageCodec, type MessageOf } from '../proto/index.js';

/**
 * How the loader resolves a flag's text before parsing it:
 * - `fetch`: a value starting with `file://` is replaced by that file's contents;
 * - `fetch-or-absolute`: as `fetch`, and a value starting with `/` is also read from that
 *   file (with a deprecation warning), as stout's JSON parsers do;
 * - `literal`: the text is used as given (stout's Path flags).
 */
export type FlagSource = 'fetch' | 'fetch-or-absolute' | 'literal';

/** One flag value type. `schema` turns the (resolved) text into the value. */
export interface FlagType<T> {
  /** Short name for docs and messages, e.g. `duration`, `uint16`, `mesos.ACLs`. */
  readonly kind: string;
  /** Boolean flags take `--name`, `--no-name` and `--name=true|false|1|0`. */
  readonly boolean: boolean;
  readonly source: FlagSource;
  readonly schema: z.ZodType<T, string>;
  /** Prints a value the way stout's `stringify` does (used for defaults and /flags). */
  format(value: T): string;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

/** A zod schema from a parse function that reports failures in stout's words. */
function textSchema<T>(parse: (text: string) => Outcome<T>): z.ZodType<T, string> {
  return z.string().transform((text, ctx): T => {
    const result = parse(text);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.error });
      return z.NEVER;
    }
    return result.value;
  });
}

function makeType<T>(
  kind: string,
  parse: (text: string) => Outcome<T>,
  format: (value: T) => string,
  options: { boolean?: boolean; source?: FlagSource } = {},
): FlagType<T> {
  return {
    kind,
    boolean: options.boolean ?? false,
    source: options.source ?? 'fetch',
    schema: textSchema(parse),
    format,
  };
}

/** The first issue's message of a failed zod parse. */
export function issueMessage(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'Invalid value';
}

// ---------------------------------------------------------------------------------------
// Scalars.

export function parseBool(text: string): Outcome<boolean> {
  if (text === 'true' || text === '1') return { ok: true, value: true };
  if (text === 'false' || text === '0') return { ok: true, value: false };
  return fail('Expecting a boolean (e.g., true or false)');
}

const CONVERT_ERROR = 'Failed to convert into required type';

/** `istringstream >> integer`: optional leading blanks and sign, decimal digits only. */
export function parseInteger(text: string, min: number, max: number, typeName: string): Outcome<number> {
  const match = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(text);
  const value = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return fail(`${CONVERT_ERROR} (expected ${typeName}: an integer in [${min}, ${max}])`);
  }
  return { ok: true, value };
}

/** `istringstream >> double`: decimal or exponent notation, no `inf`/`nan`. */
export function parseDouble(text: string): Outcome<number> {
  if (!/^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    return fail(`${CONVERT_ERROR} (expected a number)`);
  }
  const value = Number(text);
  if (!Number.isFinite(value)) return fail(`${CONVERT_ERROR} (expected a number)`);
  return { ok: true, value };
}

/** Prints a double as `ostream << double` does with its default 6 significant digits. */
export function formatDouble(value: number): string {
  return String(Number(value.toPrecision(6)));
}

// ---------------------------------------------------------------------------------------
// Durations (held as milliseconds, like libprocess/duration.ts) and byte sizes.

const NS = {
  ns: 1,
  us: 1e3,
  ms: 1e6,
  secs: 1e9,
  mins: 60e9,
  hrs: 3600e9,
  days: 86_400e9,
  weeks: 604_800e9,
} as const;

type DurationUnit = keyof typeof NS;

function isDurationUnit(unit: string): unit is DurationUnit {
  return Object.prototype.hasOwnProperty.call(NS, unit);
}

/** numify<double>: the whole text must be a number (boost::lexical_cast). */
function numifyDouble(text: string): Outcome<number> {
  if (!/^(\d+\.?\d*|\.\d+)$/.test(text)) return fail(`Failed to convert '${text}' to number`);
  return { ok: true, value: Number(text) };
}

/** stout's `Duration::parse`, in milliseconds. */
export function parseStoutDuration(text: string): Outcome<number> {
  let index = 0;
  while (index < text.length && /[0-9.]/.test(text.charAt(index))) index++;
  if (index === text.length) return fail(`Invalid duration '${text}'`);
  const number = numifyDouble(text.slice(0, index));
  if (!number.ok) return number;
  const unit = text.slice(index);
  if (!isDurationUnit(unit)) {
    return fail(
      `Unknown duration unit '${unit}'; supported units are` +
        " 'ns', 'us', 'ms', 'secs', 'mins', 'hrs', 'days', and 'weeks'",
    );
  }
  // stout keeps whole nanoseconds in an int64.
  const nanos = Math.trunc(number.value * NS[unit]);
  if (!Number.isFinite(nanos) || nanos > 9.223372036854776e18) {
    return fail(`Duration '${text}' is too large`);
  }
  return { ok: true, value: nanos / 1e6 };
}

/**
 * Prints milliseconds as stout's `operator<<(ostream&, Duration)` does: the largest unit
 * the value reaches, stepping one unit down when that gives a whole number
 * (90 secs prints `90secs`, 120 secs prints `2mins`, 1 week prints `1weeks`).
 */
export function formatStoutDuration(ms: number): string {
  let nanos = Math.round(ms * 1e6);
  let sign = '';
  if (nanos < 0) {
    sign = '-';
    nanos = -nanos;
  }
  const show = (unit: DurationUnit): string =>
    `${sign}${Number((nanos / NS[unit]).toPrecision(15))}${unit}`;
  const whole = (unit: DurationUnit): boolean => nanos % NS[unit] === 0;
  if (nanos < NS.us) return `${sign}${nanos}ns`;
  if (nanos < NS.ms) return whole('us') ? show('us') : `${sign}${nanos}ns`;
  if (nanos < NS.secs) return !whole('ms') && whole('us') ? show('us') : show('ms');
  if (nanos < NS.mins) return !whole('secs') && whole('ms') ? show('ms') : show('secs');
  if (nanos < NS.hrs) return !whole('mins') && whole('secs') ? show('secs') : show('mins');
  if (nanos < NS.days) return !whole('hrs') && whole('mins') ? show('mins') : show('hrs');
  if (nanos < NS.weeks) return !whole('days') && whole('hrs') ? show('hrs') : show('days');
  return !whole('weeks') && whole('days') ? show('days') : show('weeks');
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

/** stout's `Bytes::parse`, in bytes. */
export function parseStoutBytes(text: string): Outcome<number> {
  let index = 0;
  while (index < text.length) {
    const c = text.charAt(index);
    if (/[0-9]/.test(c)) {
      index++;
      continue;
    }
    if (c === '.') return fail(`Fractional bytes '${text}'`);
    break;
  }
  if (index === text.length) return fail(`Invalid bytes '${text}'`);
  const digits = text.slice(0, index);
  if (digits === '') return fail(`Failed to convert '${digits}' to number`);
  const unit = text.slice(index).toUpperCase();
  const factor = BYTE_UNITS[unit];
  if (factor === undefined) return fail(`Unknown bytes unit '${unit}'`);
  const value = Number(digits) * factor;
  if (!Number.isSafeInteger(value)) return fail(`Bytes '${text}' is too large`);
  return { ok: true, value };
}

/** stout's `operator<<(ostream&, Bytes)`: raise the unit only while nothing is lost. */
export function formatStoutBytes(bytes: number): string {
  if (bytes === 0 || bytes % 1024 !== 0) return `${bytes}B`;
  const units = ['KB', 'MB', 'GB'] as const;
  let value = bytes / 1024;
  for (const unit of units) {
    if (value % 1024 !== 0) return `${value}${unit}`;
    value /= 1024;
  }
  return `${value}TB`;
}

// ---------------------------------------------------------------------------------------
// JSON.

export type JsonObjectValue = { [key: string]: unknown };

/** stout's `JSON::parse<JSON::Object>`. */
export function parseJsonObject(text: string): Outcome<JsonObjectValue> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail('Unexpected JSON type parsed');
  }
  return { ok: true, value: value as JsonObjectValue };
}

// ---------------------------------------------------------------------------------------
// The catalogue of flag types.

function formatList(values: Iterable<string | number>): string {
  return `[ ${[...values].join(', ')} ]`;
}

export const types = {
  string: makeType<string>('string', (text) => ({ ok: true, value: text }), (v) => v),

  /** A filesystem path: no `file://` fetching (stout's Path flags). */
  path: makeType<string>('path', (text) => ({ ok: true, value: text }), (v) => v, { source: 'literal' }),

  bool: makeType<boolean>('bool', parseBool, (v) => (v ? 'true' : 'false'), { boolean: true }),

  int: makeType<number>('int', (t) => parseInteger(t, -2147483648, 2147483647, 'int'), String),

  uint16: makeType<number>('uint16', (t) => parseInteger(t, 0, 65535, 'uint16'), String),

  /** size_t. Values beyond 2^53 are rejected rather than rounded. */
  size: makeType<number>('size_t', (t) => parseInteger(t, 0, Number.MAX_SAFE_INTEGER, 'size_t'), String),

  double: makeType<number>('double', parseDouble, formatDouble),

  /** Milliseconds. */
  duration: makeType<number>('duration', parseStoutDuration, formatStoutDuration),

  /** Bytes. */
  bytes: makeType<number>('bytes', parseStoutBytes, formatStoutBytes),

  /** A JSON object kept as parsed JSON (stout's `JSON::Object`). */
  jsonObject: makeType<JsonObjectValue>('JSON object', parseJsonObject, (v) => JSON.stringify(v), {
    source: 'fetch-or-absolute',
  }),

  /** A JSON object of string values (e.g. environment variables). */
  stringMap: makeType<Readonly<Record<string, string>>>(
    'JSON object of strings',
    (text) => {
      const json = parseJsonObject(text);
      if (!json.ok) return json;
      const checked = z.record(z.string(), z.string()).safeParse(json.value);
      if (!checked.success) {
        const key = checked.error.issues[0]?.path[0];
        return fail(`The value of key '${String(key)}' in '${JSON.stringify(json.value)}' is not a string`);
      }
      return { ok: true, value: checked.data };
    },
    (v) => JSON.stringify(v),
    { source: 'fetch-or-absolute' },
  ),

  /** A comma-separated set of tokens; a repeated token is an error (src/common/parse.hpp). */
  stringSet: makeType<ReadonlySet<string>>(
    'comma-separated set',
    (text) => {
      const set = new Set<string>();
      for (const token of text.split(',').filter((t) => t !== '')) {
        if (set.has(token)) return fail(`Duplicate token '${token}'`);
        set.add(token);
      }
      return { ok: true, value: set };
    },
    (v) => `{ ${[...v].sort().join(', ')} }`,
  ),

  /** A comma-separated list of unsigned integers (src/common/parse.hpp). */
  uintList: makeType<readonly number[]>(
    'comma-separated unsigned integers',
    (text) => {
      const out: number[] = [];
      for (const token of text.split(',').filter((t) => t !== '')) {
        if (!/^\d+$/.test(token) || Number(token) > 4294967295) {
          return fail(`Failed to numify '${token}': Failed to convert '${token}' to number`);
        }
        out.push(Number(token));
      }
      return { ok: true, value: out };
    },
    formatList,
  ),

  /** A protobuf message given as JSON, converted as stout's `protobuf::parse` does. */
  proto<C extends MessageCodec>(codec: C, kind: string): FlagType<MessageOf<C>> {
    return makeType<MessageOf<C>>(
      kind,
      (text) => {
        const json = parseJsonObject(text);
        if (!json.ok) return json;
        try {
          return { ok: true, value: fromJSON(codec, json.value) };
        } catch (err) {
          return fail(err instanceof Error ? err.message : String(err));
        }
      },
      (v) => toJSONString(codec, v),
      { source: 'fetch-or-absolute' },
    );
  },
};
