// Value arithmetic for resources, with Mesos 1.0's semantics
// (src/common/values.cpp, include/mesos/values.hpp):
//
// - SCALAR values are fixed point with three decimal digits: every operation
//   converts to thousandths with llround(v * 1000), works on integers and
//   converts back as `quotient + remainder / 1000`. Here a scalar is kept as
//   its integer number of thousandths ("milli"), so arithmetic is exact.
// - RANGES are kept normalized: a flat array [b0, e0, b1, e1, ...] sorted by
//   begin, disjoint and not adjacent (coalesced: [1-3] + [4-5] = [1-5]).
// - SET values keep insertion order and no duplicates.
//
// Also the text syntax of a value (`45.55`, `[1-10, 20-30]`, `{a, b}`) as
// `internal::values::parse` reads it, Mesos's printing of each kind, and the
// rules for a single Resource message (validation, printing, predicates; in
// Mesos these are the static members of Resources in src/common/resources.cpp).

import { fromJSON, mesos } from '../proto/index.js';
import { validateRole } from './roles.js';

/** Value types, numbered as `mesos.Value.Type`. */
export const SCALAR = 0;
export const RANGES = 1;
export const SET = 2;
export const TEXT = 3;
export type ValueType = typeof SCALAR | typeof RANGES | typeof SET | typeof TEXT;

// ------------------------------------------------------------------ scalars

/** A double as thousandths, rounded half away from zero (C's llround). */
export function toMilli(value: number): number {
  const scaled = value * 1000;
  return scaled < 0 ? -Math.round(-scaled) : Math.round(scaled);
}

/** Thousandths back to a double the way Mesos does: quotient + remainder / 1000. */
export function fromMilli(milli: number): number {
  const remainder = milli % 1000;
  return (milli - remainder) / 1000 + remainder / 1000;
}

/** A double rounded to Mesos's three decimal digits. */
export function roundScalar(value: number): number {
  return fromMilli(toMilli(value));
}

/**
 * A double as C++'s `ostream << double` writes it (printf `%g`, 6 significant
 * digits): `45.55`, `1024`, `0.001`, `1.04858e+06`.
 */
export function formatG6(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const exponential = value.toExponential(5);
  const e = exponential.indexOf('e');
  const exponent = Number(exponential.slice(e + 1));
  if (exponent < -4 || exponent >= 6) {
    const mantissa = stripZeros(exponential.slice(0, e));
    const sign = exponent < 0 ? '-' : '+';
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return stripZeros(value.toFixed(5 - exponent));
}

function stripZeros(text: string): string {
  if (!text.includes('.')) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (text.charCodeAt(end - 1) === 46 /* . */) end--;
  return text.slice(0, end);
}

/** A scalar (in thousandths) as Mesos prints it. */
export function formatScalar(milli: number): string {
  return formatG6(fromMilli(milli));
}

// ------------------------------------------------------------------- ranges

/** Normalized ranges: [b0, e0, b1, e1, ...], sorted, disjoint, not adjacent. */
export type Ranges = readonly number[];

export const EMPTY_RANGES: Ranges = Object.freeze([]);

/**
 * Coalesces arbitrary [begin, end] pairs (flat) into normalized ranges, with
 * the algorithm of values.cpp `internal::coalesce`: sort by (begin, end), then
 * extend the current range while the next one starts at most one past its end.
 * Inverted pairs (begin > end) are kept as they sort; callers validate first.
 */
export function coalesce(pairs: readonly number[]): number[] {
  const n = pairs.length >> 1;
  if (n === 0) return [];
  if (n === 1) return [pairs[0] as number, pairs[1] as number];
  const order: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => {
    const bx = pairs[2 * x] as number;
    const by = pairs[2 * y] as number;
    return bx !== by ? bx - by : (pairs[2 * x + 1] as number) - (pairs[2 * y + 1] as number);
  });
  const out: number[] = [];
  let begin = pairs[2 * (order[0] as number)] as number;
  let end = pairs[2 * (order[0] as number) + 1] as number;
  for (let i = 1; i < n; i++) {
    const k = order[i] as number;
    const b = pairs[2 * k] as number;
    const e = pairs[2 * k + 1] as number;
    if (b === begin) {
      if (e > end) end = e;
    } else if (b <= end + 1) {
      if (e > end) end = e;
    } else {
      out.push(begin, end);
      begin = b;
      end = e;
    }
  }
  out.push(begin, end);
  return out;
}

/** Union of two normalized range lists (linear merge). */
export function addRanges(a: Ranges, b: Ranges): number[] {
  if (b.length === 0) return a.slice();
  if (a.length === 0) return b.slice();
  const out: number[] = [];
  let i = 0;
  let j = 0;
  let begin = -1;
  let end = -2;
  let open = false;
  while (i < a.length || j < b.length) {
    let nb: number;
    let ne: number;
    if (j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number))) {
      nb = a[i] as number;
      ne = a[i + 1] as number;
      i += 2;
    } else {
      nb = b[j] as number;
      ne = b[j + 1] as number;
      j += 2;
    }
    if (!open) {
      begin = nb;
      end = ne;
      open = true;
    } else if (nb <= end + 1) {
      if (ne > end) end = ne;
    } else {
      out.push(begin, end);
      begin = nb;
      end = ne;
    }
  }
  if (open) out.push(begin, end);
  return out;
}

/** `a` without the values in `b` (both normalized). */
export function subtractRanges(a: Ranges, b: Ranges): number[] {
  if (a.length === 0 || b.length === 0) return a.slice();
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let begin = a[i] as number;
    const end = a[i + 1] as number;
    // Skip removals entirely before this range.
    while (j < b.length && (b[j + 1] as number) < begin) j += 2;
    let k = j;
    while (k < b.length && (b[k] as number) <= end && begin <= end) {
      const rb = b[k] as number;
      const re = b[k + 1] as number;
      if (rb > begin) out.push(begin, rb - 1);
      begin = re + 1;
      if (re >= end) break;
      k += 2;
    }
    if (begin <= end) out.push(begin, end);
  }
  return out;
}

/** True when every value of `b` is in `a` (both normalized). */
export function rangesContain(a: Ranges, b: Ranges): boolean {
  let i = 0;
  for (let j = 0; j < b.length; j += 2) {
    const begin = b[j] as number;
    const end = b[j + 1] as number;
    while (i < a.length && (a[i + 1] as number) < begin) i += 2;
    if (i >= a.length || (a[i] as number) > begin || (a[i + 1] as number) < end) return false;
  }
  return true;
}

export function rangesEqual(a: Ranges, b: Ranges): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Number of values in normalized ranges. */
export function rangesSize(a: Ranges): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 2) n += (a[i + 1] as number) - (a[i] as number) + 1;
  return n;
}

/** `[10000-20000, 30000-50000]` */
export function formatRanges(a: Ranges): string {
  const parts: string[] = [];
  for (let i = 0; i < a.length; i += 2) parts.push(`${a[i]}-${a[i + 1]}`);
  return `[${parts.join(', ')}]`;
}

/** Flat normalized ranges from `{ begin, end }` objects (unsorted, overlapping allowed). */
export function rangesFromPairs(list: ReadonlyArray<{ begin: number; end: number }>): number[] {
  const flat: number[] = [];
  for (const range of list) flat.push(range.begin, range.end);
  return coalesce(flat);
}

export function rangesToPairs(a: Ranges): Array<{ begin: number; end: number }> {
  const out: Array<{ begin: number; end: number }> = [];
  for (let i = 0; i < a.length; i += 2) out.push({ begin: a[i] as number, end: a[i + 1] as number });
  return out;
}

// --------------------------------------------------------------------- sets

export type SetItems = readonly string[];

/** `a` then the items of `b` not already in `a`. */
export function addSets(a: SetItems, b: SetItems): string[] {
  const out = a.slice();
  for (const item of b) if (!out.includes(item)) out.push(item);
  return out;
}

export function subtractSets(a: SetItems, b: SetItems): string[] {
  return a.filter((item) => !b.includes(item));
}

export function setContains(a: SetItems, b: SetItems): boolean {
  if (b.length > a.length) return false;
  for (const item of b) if (!a.includes(item)) return false;
  return true;
}

export function setsEqual(a: SetItems, b: SetItems): boolean {
  return a.length === b.length && setContains(a, b);
}

/** `{sda1, sda2}` */
export function formatSet(a: SetItems): string {
  return `{${a.join(', ')}}`;
}

// ------------------------------------------------------------- text syntax

export type ParsedValue =
  | { type: typeof SCALAR; scalar: number }
  | { type: typeof RANGES; ranges: number[] }
  | { type: typeof SET; items: string[] }
  | { type: typeof TEXT; text: string };

export class ValueParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueParseError';
  }
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const UNSIGNED = /^\d+$/;

function bracketsMatch(text: string, open: string, close: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === open) depth++;
    else if (c === close) depth--;
    if (depth < 0) return false;
  }
  return depth === 0;
}

function tokenize(text: string, delimiters: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const c of text) {
    if (delimiters.includes(c)) {
      if (current !== '') out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (current !== '') out.push(current);
  return out;
}

/**
 * Parses the text form of a value as values.cpp `internal::values::parse`:
 * spaces are ignored; `[..]` is RANGES, `{..}` is SET, a number is SCALAR,
 * anything else is TEXT. Ranges come back coalesced. Throws ValueParseError
 * with Mesos's messages.
 */
export function parseValue(input: string): ParsedValue {
  const text = input.replaceAll(' ', '');
  if (text.length === 0) throw new ValueParseError('Expecting non-empty string');
  if (!bracketsMatch(text, '{', '}') || !bracketsMatch(text, '[', ']') || !bracketsMatch(text, '(', ')')) {
    throw new ValueParseError('Mismatched brackets');
  }
  const bracket = text.indexOf('[');
  if (bracket === 0) {
    const tokens = tokenize(text, '[]-,\n');
    if (tokens.length % 2 !== 0) throw new ValueParseError('Expecting one or more "ranges"');
    const flat: number[] = [];
    for (const token of tokens) {
      const n = Number(token);
      if (!UNSIGNED.test(token) || !Number.isSafeInteger(n)) {
        throw new ValueParseError(`Expecting non-negative integers in '${token}'`);
      }
      flat.push(n);
    }
    return { type: RANGES, ranges: coalesce(flat) };
  }
  if (bracket !== -1) throw new ValueParseError("Unexpected '[' found");
  const brace = text.indexOf('{');
  if (brace === 0) return { type: SET, items: tokenize(text, '{},\n') };
  if (brace !== -1) throw new ValueParseError("Unexpected '{' found");
  if (DECIMAL.test(text)) return { type: SCALAR, scalar: Number(text) };
  return { type: TEXT, text };
}

export const VALUE_TYPE_NAMES: Readonly<Record<ValueType, string>> = {
  [SCALAR]: 'SCALAR',
  [RANGES]: 'RANGES',
  [SET]: 'SET',
  [TEXT]: 'TEXT',
};

// ------------------------------------------------------ single Resource messages

export type ResourceProto = mesos.Resource.$Properties;
export type ReservationInfo = mesos.Resource.ReservationInfo.$Properties;
export type DiskInfo = mesos.Resource.DiskInfo.$Properties;

/** Field presence on protobuf objects: decoded messages read unset fields through the prototype. */
export function has<T extends object>(message: T | null | undefined, field: keyof T & string): boolean {
  return message != null && Object.hasOwn(message, field) && message[field] != null;
}

// ----------------------------------------------------------------- printing

function formatLabels(labels: mesos.Labels.$Properties | null | undefined): string {
  const parts = (labels?.labels ?? []).map((l) => (has(l, 'value') ? `${l.key}: ${l.value ?? ''}` : l.key));
  return `{${parts.join(', ')}}`;
}

function formatVolume(volume: mesos.Volume.$Properties): string {
  let text = volume.container_path;
  if (has(volume, 'host_path')) {
    text = `${volume.host_path ?? ''}:${text}`;
    if (has(volume, 'mode')) text += volume.mode === mesos.Volume.Mode.RO ? ':ro' : ':rw';
  }
  return text;
}

/** `name(role, principal, {labels})[persistence:volume]{REV}:value` (resources.cpp operator<<). */
export function formatResource(
  name: string,
  role: string,
  reservation: ReservationInfo | undefined,
  disk: DiskInfo | undefined,
  revocable: boolean,
  value: string,
): string {
  let text = `${name}(${role}`;
  if (reservation !== undefined) {
    if (has(reservation, 'principal')) text += `, ${reservation.principal ?? ''}`;
    if (has(reservation, 'labels')) text += `, ${formatLabels(reservation.labels)}`;
  }
  text += ')';
  if (disk !== undefined) {
    let inner = has(disk, 'persistence') ? (disk.persistence?.id ?? '') : '';
    if (has(disk, 'volume')) inner += `:${formatVolume(disk.volume as mesos.Volume.$Properties)}`;
    text += `[${inner}]`;
  }
  if (revocable) text += '{REV}';
  return `${text}:${value}`;
}

/** A proto resource as Mesos prints it (values rounded to three decimals, ranges as given). */
export function formatResourceProto(resource: ResourceProto): string {
  const type = resource.type as ValueType;
  let value = '';
  if (type === SCALAR) value = formatScalar(toMilli(resource.scalar?.value ?? 0));
  else if (type === RANGES) value = formatRanges((resource.ranges?.range ?? []).flatMap((r) => [r.begin, r.end]));
  else if (type === SET) value = formatSet(resource.set?.item ?? []);
  return formatResource(
    resource.name,
    has(resource, 'role') ? (resource.role as string) : '*',
    has(resource, 'reservation') ? (resource.reservation as ReservationInfo) : undefined,
    has(resource, 'disk') ? (resource.disk as DiskInfo) : undefined,
    has(resource, 'revocable'),
    value,
  );
}

// ---------------------------------------------------------------- validation

/** Why a resource is invalid, or undefined (Resources::validate(const Resource&)). */
export function validateResource(resource: ResourceProto): string | undefined {
  if (!resource.name) return 'Empty resource name';
  const type = resource.type as number;
  if (type !== SCALAR && type !== RANGES && type !== SET && type !== TEXT) return 'Invalid resource type';
  const hasScalar = has(resource, 'scalar');
  const hasRanges = has(resource, 'ranges');
  const hasSet = has(resource, 'set');
  if (type === SCALAR) {
    if (!hasScalar || hasRanges || hasSet) return 'Invalid scalar resource';
    const value = resource.scalar?.value ?? 0;
    if (value < 0) return 'Invalid scalar resource: value < 0';
    // Not in Mesos 1.0, where NaN and infinities pass and break the fixed-point arithmetic.
    if (!Number.isFinite(value)) return 'Invalid scalar resource: value is not a finite number';
  } else if (type === RANGES) {
    if (hasScalar || !hasRanges || hasSet) return 'Invalid ranges resource';
    const list = resource.ranges?.range ?? [];
    for (let i = 0; i < list.length; i++) {
      const range = list[i] as mesos.Value.Range.$Properties;
      if (range.begin > range.end) return 'Invalid ranges resource: begin > end';
      // The same (one-sided) overlap test as Mesos.
      for (let j = i + 1; j < list.length; j++) {
        const other = list[j] as mesos.Value.Range.$Properties;
        if (range.begin <= other.begin && other.begin <= range.end) {
          return 'Invalid ranges resource: overlapping ranges';
        }
      }
    }
  } else if (type === SET) {
    if (hasScalar || hasRanges || !hasSet) return 'Invalid set resource';
    const items = resource.set?.item ?? [];
    if (new Set(items).size !== items.length) return 'Invalid set resource: duplicated elements';
  } else {
    return 'Unsupported resource type';
  }
  if (has(resource, 'disk')) {
    if (resource.name !== 'disk') return `DiskInfo should not be set for ${resource.name} resource`;
    const source = resource.disk?.source;
    if (source != null && has(resource.disk as DiskInfo, 'source')) {
      if (source.type === mesos.Resource.DiskInfo.Source.Type.PATH && !has(source, 'path')) {
        return "DiskInfo::Source 'type' set to 'PATH' but missing 'path' data";
      }
      if (source.type === mesos.Resource.DiskInfo.Source.Type.MOUNT && !has(source, 'mount')) {
        return "DiskInfo::Source 'type' set to 'MOUNT' but missing 'mount' data";
      }
    }
  }
  const role = has(resource, 'role') ? (resource.role as string) : '*';
  if (role === '*' && has(resource, 'reservation')) {
    return 'Invalid reservation: role "*" cannot be dynamically reserved';
  }
  return validateRole(role);
}

/** The first invalid resource as "Resource '<r>' is invalid: <why>", or undefined. */
export function validateResources(resources: Iterable<ResourceProto>): string | undefined {
  for (const resource of resources) {
    const error = validateResource(resource);
    if (error !== undefined) return `Resource '${formatResourceProto(resource)}' is invalid: ${error}`;
  }
  return undefined;
}

// ---------------------------------------------------------- proto predicates

/** Predicates on single proto resources (Resources::isX). */
export const ResourcePredicates = {
  isEmpty(resource: ResourceProto): boolean {
    const entryType = resource.type as ValueType;
    if (entryType === SCALAR) return (resource.scalar?.value ?? 0) === 0;
    if (entryType === RANGES) return (resource.ranges?.range ?? []).length === 0;
    if (entryType === SET) return (resource.set?.item ?? []).length === 0;
    return false;
  },
  isPersistentVolume(resource: ResourceProto): boolean {
    return has(resource, 'disk') && has(resource.disk as DiskInfo, 'persistence');
  },
  isUnreserved(resource: ResourceProto): boolean {
    return (has(resource, 'role') ? resource.role : '*') === '*' && !has(resource, 'reservation');
  },
  isReserved(resource: ResourceProto, role?: string): boolean {
    if (ResourcePredicates.isUnreserved(resource)) return false;
    return role === undefined || role === (has(resource, 'role') ? resource.role : '*');
  },
  isDynamicallyReserved(resource: ResourceProto): boolean {
    return has(resource, 'reservation');
  },
  isRevocable(resource: ResourceProto): boolean {
    return has(resource, 'revocable');
  },
};

// -------------------------------------------------- resource text and JSON forms

/** A Resources text or JSON could not be parsed, or an operation does not apply. */
export class ResourcesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourcesError';
  }
}

/** One resource from a name, a value text and a role (Resources::parse(name, value, role)). */
export function parseResource(name: string, value: string, role = '*'): mesos.Resource {
  let parsed: ParsedValue;
  try {
    parsed = parseValue(value);
  } catch (error) {
    if (!(error instanceof ValueParseError)) throw error;
    throw new ResourcesError(`Failed to parse resource ${name} value ${value} error ${error.message}`);
  }
  const resource = mesos.Resource.create({ name, type: parsed.type, role });
  if (parsed.type === SCALAR) resource.scalar = { value: parsed.scalar };
  else if (parsed.type === RANGES) resource.ranges = { range: rangesToPairs(parsed.ranges) };
  else if (parsed.type === SET) resource.set = { item: parsed.items };
  else throw new ResourcesError(`Bad type for resource ${name} value ${value} type ${VALUE_TYPE_NAMES[TEXT]}`);
  return resource;
}

/**
 * The resources of an agent's `--resources` text (Resources::parse(text,
 * role)): a JSON array of Resource objects (each validated, none empty,
 * unset roles set to `defaultRole`), else `name(role):value;...` (not
 * validated: Mesos drops invalid and empty ones as it adds them up).
 */
export function parseResourceMessages(text: string, defaultRole: string): mesos.Resource[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return Array.isArray(json) ? resourcesFromJSON(json, defaultRole) : resourcesFromText(text, defaultRole);
}

function resourcesFromJSON(list: unknown[], defaultRole: string): mesos.Resource[] {
  const parsed: mesos.Resource[] = [];
  for (const item of list) {
    try {
      parsed.push(fromJSON(mesos.Resource, item));
    } catch (error) {
      throw new ResourcesError(`Some JSON resources were not formatted properly: ${(error as Error).message}`);
    }
  }
  for (const resource of parsed) {
    if (!has(resource, 'role')) resource.role = defaultRole;
    const error = validateResource(resource);
    if (error !== undefined) throw new ResourcesError(error);
    if (ResourcePredicates.isEmpty(resource)) {
      throw new ResourcesError(`Some JSON resources were empty: ${formatResourceProto(resource)}`);
    }
  }
  return parsed;
}

function resourcesFromText(text: string, defaultRole: string): mesos.Resource[] {
  const out: mesos.Resource[] = [];
  for (const token of text.split(';')) {
    if (token === '') continue;
    const pair = token.split(':').filter((part) => part !== '');
    if (pair.length !== 2) throw new ResourcesError(`Bad value for resources, missing or extra ':' in ${token}`);
    const [left, value] = pair as [string, string];
    const open = left.indexOf('(');
    if (open === -1) {
      out.push(parseResource(trim(left), value, defaultRole));
      continue;
    }
    const close = left.indexOf(')');
    if (close === -1 || close < open) throw new ResourcesError(`Bad value for resources, mismatched parentheses in ${token}`);
    out.push(parseResource(trim(left.slice(0, open)), value, trim(left.slice(open + 1, close))));
  }
  return out;
}

function trim(text: string): string {
  return text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '');
}
