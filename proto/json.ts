// The JSON mapping Mesos 1.0 uses for protobuf messages (stout's JSON::protobuf,
// jsonify(JSON::Protobuf) and protobuf::parse). See docs/protobuf.md for the rules
// and the Mesos sources they were checked against.
//
// Rendering: field names as in the .proto; enums by value name; bytes as padded
// standard base64; 64-bit integers as JSON numbers; doubles printed like C's "%#.15g"
// with trailing zeros trimmed (1.0, 0.3, 1.00000000000000e-05). Set fields are
// rendered, plus unset singular fields that have an explicit [default = ...];
// empty repeated fields are omitted.
//
// Parsing: unknown keys are ignored, null means unset, a scalar given for a repeated
// field adds one element, numbers given as strings are rejected (as in Mesos 1.0)
// unless `numericStrings` is set, and missing required fields are an error.

import { messageNameOf, messageTypeByName, type MessageCodec, type MessageOf } from './registry.js';
import { enumDef, messageDef, type FieldDef } from './schema.js';
import { formatDouble, quoteJSONString } from '../libprocess/json-number.js';

export { formatDouble, quoteJSONString };

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Pre-rendered JSON text that `stringifyJSON` copies through verbatim. */
export class RawJson {
  constructor(readonly text: string) {}
}
export type JsonInput = null | boolean | number | string | RawJson | JsonInput[] | { [key: string]: JsonInput };

/** A JSON value that does not fit the protobuf type; `path` names the field ("a.b[2].c"). */
export class ProtobufJsonError extends Error {
  override readonly name = 'ProtobufJsonError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Key order. Mesos's v1 API responses (`serialize(JSON, message)`) go through a
 * JSON::Object, a std::map, so keys come out sorted by name; jsonify(JSON::Protobuf)
 * (used inside /state and friends) writes them in .proto declaration order.
 */
export type JsonFieldOrder = 'sorted' | 'declaration';

export interface ToJsonOptions {
  order?: JsonFieldOrder;
}

export interface FromJsonOptions {
  /** Accept numeric fields given as JSON strings ("5"). Mesos 1.0 rejects them. */
  numericStrings?: boolean;
}

/** A generated message class, or a full protobuf type name. */
export type TypeArg = MessageCodec | string;

type Kind =
  | 'double' | 'float' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool' | 'string' | 'bytes' | 'enum' | 'message';

interface FieldPlan {
  readonly name: string;
  readonly id: number;
  readonly quotedKey: string;
  readonly kind: Kind;
  readonly repeated: boolean;
  readonly required: boolean;
  /** Present only for fields with an explicit [default = ...]. */
  readonly defaultJson: JsonValue | undefined;
  readonly defaultText: string | undefined;
  readonly enumNames: ReadonlyMap<number, string> | undefined;
  readonly enumValues: ReadonlyMap<string, number> | undefined;
  readonly messageName: string | undefined;
  /** Plan of the message type, filled on first use (types can be recursive). */
  sub: TypePlan | undefined;
}

interface TypePlan {
  readonly name: string;
  readonly codec: MessageCodec;
  readonly declared: readonly FieldPlan[];
  readonly sorted: readonly FieldPlan[];
  readonly byNumber: readonly FieldPlan[];
  readonly byName: ReadonlyMap<string, FieldPlan>;
}

const SCALAR_KINDS: Readonly<Record<string, Kind>> = {
  double: 'double', float: 'float',
  int32: 'int32', sint32: 'int32', sfixed32: 'int32',
  uint32: 'uint32', fixed32: 'uint32',
  int64: 'int64', sint64: 'int64', sfixed64: 'int64',
  uint64: 'uint64', fixed64: 'uint64',
  bool: 'bool', string: 'string', bytes: 'bytes',
};

const plans = new Map<string, TypePlan>();
const hasOwn = Object.prototype.hasOwnProperty;

function fieldPlan(field: FieldDef): FieldPlan {
  let kind: Kind;
  let enumNames: Map<number, string> | undefined;
  let enumValues: Map<string, number> | undefined;
  let messageName: string | undefined;
  if (field.kind === 'enum') {
    kind = 'enum';
    enumValues = new Map(Object.entries(enumDef(field.type)?.values ?? {}));
    enumNames = new Map();
    for (const [name, id] of enumValues) if (!enumNames.has(id)) enumNames.set(id, name);
  } else if (field.kind === 'message') {
    kind = 'message';
    messageName = field.type;
  } else {
    const k = SCALAR_KINDS[field.type];
    if (k === undefined) throw new Error(`proto/json: unsupported field type ${field.type} (${field.name})`);
    kind = k;
  }
  const repeated = field.rule === 'repeated';
  const explicit = field.defaultValue;
  let defaultJson: JsonValue | undefined;
  let defaultText: string | undefined;
  if (explicit !== undefined && !repeated) {
    defaultJson = kind === 'enum' ? String(explicit) : (explicit as JsonValue);
    defaultText = kind === 'enum' ? quoteJSONString(String(explicit)) : scalarText({ kind, enumNames }, explicit);
  }
  return {
    name: field.name,
    id: field.id,
    quotedKey: `${quoteJSONString(field.name)}:`,
    kind,
    repeated,
    required: field.rule === 'required',
    defaultJson,
    defaultText,
    enumNames,
    enumValues,
    messageName,
    sub: undefined,
  };
}

function subPlan(f: FieldPlan): TypePlan {
  f.sub ??= planFor(f.messageName ?? '');
  return f.sub;
}

function planFor(fullName: string): TypePlan {
  const cached = plans.get(fullName);
  if (cached) return cached;
  const codec = messageTypeByName(fullName);
  const def = messageDef(fullName);
  if (!codec || !def) throw new Error(`proto/json: unknown message type '${fullName}'`);
  const declared = def.fields.map(fieldPlan);
  const plan: TypePlan = {
    name: fullName,
    codec,
    declared,
    sorted: [...declared].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    byNumber: [...declared].sort((a, b) => a.id - b.id),
    byName: new Map(declared.map((f) => [f.name, f])),
  };
  plans.set(fullName, plan);
  return plan;
}

function typeName(type: TypeArg): string {
  if (typeof type === 'string') return type;
  const name = messageNameOf(type);
  if (name === undefined) throw new Error('proto/json: not a generated message class');
  return name;
}

// ---------------------------------------------------------------------------
// Scalars (formatDouble and quoteJSONString live in libprocess/json-number.ts)

function integerText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  const n = Number(value);
  if (!Number.isFinite(n)) return 'null';
  const t = Math.trunc(n);
  return Math.abs(t) < 1e21 ? String(t) : BigInt(t).toString();
}

function base64(value: unknown): string {
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  if (typeof value === 'string') return Buffer.from(value, 'base64').toString('base64');
  return '';
}

/** JSON text of one scalar/enum element, or undefined when it is not renderable (unknown enum). */
function scalarText(f: Pick<FieldPlan, 'kind' | 'enumNames'>, v: unknown): string | undefined {
  switch (f.kind) {
    case 'double':
    case 'float':
      return formatDouble(Number(v));
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'uint64':
      return integerText(v);
    case 'bool':
      return v ? 'true' : 'false';
    case 'string':
      return quoteJSONString(String(v));
    case 'bytes':
      return quoteJSONString(base64(v)); // base64 may contain '/', which stout escapes
    case 'enum': {
      const name = typeof v === 'number' ? f.enumNames?.get(v) : undefined;
      return name === undefined ? undefined : quoteJSONString(name);
    }
    case 'message':
      return undefined;
  }
}

function scalarValue(f: FieldPlan, v: unknown): JsonValue | undefined {
  switch (f.kind) {
    case 'double':
    case 'float': {
      const n = Number(v);
      return Number.isFinite(n) ? n : null;
    }
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'uint64':
      return typeof v === 'bigint' ? Number(v) : Math.trunc(Number(v));
    case 'bool':
      return Boolean(v);
    case 'string':
      return String(v);
    case 'bytes':
      return base64(v);
    case 'enum':
      return typeof v === 'number' ? f.enumNames?.get(v) : undefined;
    case 'message':
      return undefined;
  }
}

// ---------------------------------------------------------------------------
// Rendering

function isSet(msg: Record<string, unknown>, name: string): boolean {
  return hasOwn.call(msg, name) && msg[name] != null;
}

function renderText(plan: TypePlan, msg: Record<string, unknown>, sorted: boolean): string {
  let out = '{';
  let first = true;
  for (const f of sorted ? plan.sorted : plan.declared) {
    let text: string | undefined;
    if (f.repeated) {
      const arr = msg[f.name];
      if (!Array.isArray(arr) || arr.length === 0) continue;
      let items = '';
      let n = 0;
      for (const el of arr as unknown[]) {
        if (el == null) continue;
        const t = f.kind === 'message'
          ? renderText(subPlan(f), el as Record<string, unknown>, sorted)
          : scalarText(f, el);
        if (t === undefined) continue;
        items += n++ === 0 ? t : `,${t}`;
      }
      if (n === 0) continue;
      text = `[${items}]`;
    } else {
      if (isSet(msg, f.name)) {
        const v = msg[f.name];
        text = f.kind === 'message'
          ? renderText(subPlan(f), v as Record<string, unknown>, sorted)
          : scalarText(f, v);
      }
      text ??= f.defaultText;
      if (text === undefined) continue;
    }
    out += first ? f.quotedKey + text : `,${f.quotedKey}${text}`;
    first = false;
  }
  return `${out}}`;
}

function renderValue(plan: TypePlan, msg: Record<string, unknown>, sorted: boolean): JsonObject {
  const out: JsonObject = {};
  for (const f of sorted ? plan.sorted : plan.declared) {
    if (f.repeated) {
      const arr = msg[f.name];
      if (!Array.isArray(arr) || arr.length === 0) continue;
      const items: JsonValue[] = [];
      for (const el of arr as unknown[]) {
        if (el == null) continue;
        const v = f.kind === 'message'
          ? renderValue(subPlan(f), el as Record<string, unknown>, sorted)
          : scalarValue(f, el);
        if (v !== undefined) items.push(v);
      }
      if (items.length > 0) out[f.name] = items;
    } else {
      let v: JsonValue | undefined;
      if (isSet(msg, f.name)) {
        const raw = msg[f.name];
        v = f.kind === 'message'
          ? renderValue(subPlan(f), raw as Record<string, unknown>, sorted)
          : scalarValue(f, raw);
      }
      v ??= f.defaultJson;
      if (v !== undefined) out[f.name] = v;
    }
  }
  return out;
}

/** The message as a plain JSON value (numbers as JS numbers; see toJSONString for exact text). */
export function toJSON(type: TypeArg, message: object, options: ToJsonOptions = {}): JsonObject {
  return renderValue(planFor(typeName(type)), message as Record<string, unknown>, options.order !== 'declaration');
}

/** The message as JSON text, byte for byte as Mesos 1.0 renders it. */
export function toJSONString(type: TypeArg, message: object, options: ToJsonOptions = {}): string {
  return renderText(planFor(typeName(type)), message as Record<string, unknown>, options.order !== 'declaration');
}

/**
 * JSON text of a plain value with stout's string escaping. Integral numbers print as
 * integers, others through formatDouble; RawJson is copied verbatim (use it for
 * toJSONString output or for doubles that must keep their ".0").
 */
export function stringifyJSON(value: JsonInput): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isInteger(value) ? integerText(value) : formatDouble(value);
    case 'string':
      return quoteJSONString(value);
    default:
      break;
  }
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyJSON).join(',')}]`;
  let out = '{';
  let first = true;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out += `${first ? '' : ','}${quoteJSONString(k)}:${stringifyJSON(v)}`;
    first = false;
  }
  return `${out}}`;
}

// ---------------------------------------------------------------------------
// Parsing

const BASE64_RE = /^[A-Za-z0-9+/]*/;
const NUMERIC_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'object':
      return 'object';
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'value';
  }
}

function notExpecting(value: unknown, path: string): ProtobufJsonError {
  return new ProtobufJsonError(path, `Not expecting a JSON ${jsonKind(value)} for field '${path}'`);
}

function decodeBase64(s: string, path: string): Uint8Array {
  const pad = s.indexOf('=');
  const body = pad < 0 ? s : s.slice(0, pad);
  const ok = BASE64_RE.exec(body)?.[0].length ?? 0;
  if (ok !== body.length) {
    throw new ProtobufJsonError(
      path,
      `Failed to base64 decode bytes field '${path}': Invalid character '${body.charAt(ok)}'`,
    );
  }
  return Buffer.from(body, 'base64');
}

function numberFor(f: FieldPlan, n: number, raw: unknown, path: string): number {
  if (!Number.isFinite(n)) throw notExpecting(raw, path);
  switch (f.kind) {
    case 'double':
      return n;
    case 'float':
      return Math.fround(n);
    case 'int32':
      return Math.trunc(n) | 0;
    case 'uint32':
      return Math.trunc(n) >>> 0;
    default:
      return Math.trunc(n);
  }
}

function isNumeric(kind: Kind): boolean {
  return kind !== 'bool' && kind !== 'string' && kind !== 'bytes' && kind !== 'enum' && kind !== 'message';
}

function scalarFromJson(f: FieldPlan, value: unknown, path: string, options: FromJsonOptions): unknown {
  if (typeof value === 'string') {
    switch (f.kind) {
      case 'string':
        return value;
      case 'bytes':
        return decodeBase64(value, path);
      case 'enum': {
        const id = f.enumValues?.get(value);
        if (id === undefined) {
          throw new ProtobufJsonError(path, `Failed to find enum for '${value}' (field '${path}')`);
        }
        return id;
      }
      default:
        if (options.numericStrings && isNumeric(f.kind) && NUMERIC_RE.test(value.trim())) {
          return numberFor(f, Number(value.trim()), value, path);
        }
        throw notExpecting(value, path);
    }
  }
  if (typeof value === 'number') {
    if (!isNumeric(f.kind)) throw notExpecting(value, path);
    return numberFor(f, value, value, path);
  }
  if (typeof value === 'boolean') {
    if (f.kind !== 'bool') throw notExpecting(value, path);
    return value;
  }
  throw notExpecting(value, path);
}

function assign(
  f: FieldPlan,
  msg: Record<string, unknown>,
  value: unknown,
  path: string,
  options: FromJsonOptions,
): void {
  if (value === null || value === undefined) return; // null leaves the field unset
  if (Array.isArray(value)) {
    if (!f.repeated) throw notExpecting(value, path);
    for (let i = 0; i < value.length; i++) assign(f, msg, value[i], `${path}[${i}]`, options);
    return;
  }
  let v: unknown;
  if (typeof value === 'object') {
    if (f.kind !== 'message') throw notExpecting(value, path);
    v = parseObject(subPlan(f), value as Record<string, unknown>, path, options);
  } else {
    v = scalarFromJson(f, value, path, options);
  }
  if (f.repeated) {
    let arr = hasOwn.call(msg, f.name) ? msg[f.name] : undefined;
    if (!Array.isArray(arr)) {
      arr = [];
      msg[f.name] = arr;
    }
    (arr as unknown[]).push(v);
  } else {
    msg[f.name] = v;
  }
}

function parseObject(
  plan: TypePlan,
  obj: Record<string, unknown>,
  path: string,
  options: FromJsonOptions,
): Record<string, unknown> {
  const msg = plan.codec.create() as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const f = plan.byName.get(key);
    if (f === undefined) continue; // unknown fields are ignored
    assign(f, msg, obj[key], path === '' ? key : `${path}.${key}`, options);
  }
  return msg;
}

/** Paths of unset required fields, in the order protobuf's InitializationErrorString lists them. */
export function missingRequiredFields(type: TypeArg, message: object): string[] {
  const out: string[] = [];
  collectMissing(planFor(typeName(type)), message as Record<string, unknown>, '', out);
  return out;
}

function collectMissing(plan: TypePlan, msg: Record<string, unknown>, prefix: string, out: string[]): void {
  for (const f of plan.declared) {
    if (f.required && !isSet(msg, f.name)) out.push(prefix + f.name);
  }
  for (const f of plan.byNumber) {
    if (f.kind !== 'message') continue;
    const sub = subPlan(f);
    if (f.repeated) {
      const arr = msg[f.name];
      if (!Array.isArray(arr)) continue;
      arr.forEach((el: unknown, i) => {
        if (el != null) collectMissing(sub, el as Record<string, unknown>, `${prefix}${f.name}[${i}].`, out);
      });
    } else if (isSet(msg, f.name)) {
      collectMissing(sub, msg[f.name] as Record<string, unknown>, `${prefix}${f.name}.`, out);
    }
  }
}

/** Builds a message of the given type from a parsed JSON value, as Mesos's protobuf::parse does. */
export function fromJSON<C extends MessageCodec>(type: C, json: unknown, options?: FromJsonOptions): MessageOf<C>;
export function fromJSON(type: string, json: unknown, options?: FromJsonOptions): object;
export function fromJSON(type: TypeArg, json: unknown, options: FromJsonOptions = {}): object {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ProtobufJsonError('', 'Expecting a JSON object');
  }
  const plan = planFor(typeName(type));
  const msg = parseObject(plan, json as Record<string, unknown>, '', options);
  const missing: string[] = [];
  collectMissing(plan, msg, '', missing);
  if (missing.length > 0) {
    throw new ProtobufJsonError(missing[0] ?? '', `Missing required fields: ${missing.join(', ')}`);
  }
  return msg;
}

/** fromJSON over JSON text; a syntax error is a ProtobufJsonError too. */
export function fromJSONText<C extends MessageCodec>(type: C, text: string, options?: FromJsonOptions): MessageOf<C>;
export function fromJSONText(type: string, text: string, options?: FromJsonOptions): object;
export function fromJSONText(type: TypeArg, text: string, options: FromJsonOptions = {}): object {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProtobufJsonError('', `Failed to parse JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return typeof type === 'string' ? fromJSON(type, json, options) : fromJSON(type, json, options);
}
