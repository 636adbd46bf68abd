// Text forms that Mesos 1.0 puts into validation messages: doubles as a C++
// ostream prints them (`stringify(double)`, i.e. printf "%g" with precision 6)
// and protobuf messages as `Message::DebugString()` (protobuf 2.6.1 text format,
// used by `stringify(ExecutorInfo)` in src/common/type_utils.cpp).
//
// The text-format printer is generic over the message schema in proto/; it
// would belong in proto/ if anything else needs it.

import { enumDef, messageDef, type FieldDef } from '../proto/schema.js';

/**
 * printf("%.<precision>g", value): the shorter of fixed and exponent notation,
 * trailing zeros removed, exponent with at least two digits; "inf", "-inf",
 * "nan" as glibc prints them. (Exact decimal ties round half up here, half to
 * even in glibc; only exactly representable ties differ.)
 */
export function formatG(value: number, precision = 6): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value < 0 ? '-inf' : 'inf';
  const p = precision === 0 ? 1 : precision;
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const abs = Math.abs(value);
  const exponential = abs.toExponential(p - 1);
  const e = exponential.indexOf('e');
  const x = Number(exponential.slice(e + 1));
  if (x < -4 || x >= p) {
    const mantissa = stripZeros(exponential.slice(0, e));
    const ax = Math.abs(x);
    return `${sign}${mantissa}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  return sign + stripZeros(abs.toFixed(p - 1 - x));
}

function stripZeros(text: string): string {
  if (!text.includes('.')) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  return text.slice(0, end);
}

/** protobuf's SimpleDtoa: "%.15g" unless that does not read back, then "%.17g". */
export function simpleDtoa(value: number): string {
  const short = formatG(value, 15);
  return !Number.isFinite(value) || Number(short) === value ? short : formatG(value, 17);
}

/** protobuf's SimpleFtoa: "%.6g" unless that does not read back as the same float, then "%.9g". */
export function simpleFtoa(value: number): string {
  const short = formatG(value, 6);
  return !Number.isFinite(value) || Math.fround(Number(short)) === Math.fround(value) ? short : formatG(value, 9);
}

const ESCAPES: Readonly<Record<number, string>> = {
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x22: '\\"',
  0x27: "\\'",
  0x5c: '\\\\',
};

/** protobuf 2.6's CEscape over bytes: C escapes, and octal for anything not printable ASCII. */
export function cEscape(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    const escape = ESCAPES[byte];
    if (escape !== undefined) out += escape;
    else if (byte < 0x20 || byte >= 0x7f) out += `\\${byte.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return out;
}

const encoder = new TextEncoder();

function bytesOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  // protobufjs accepts base64 text for bytes fields.
  if (typeof value === 'string') return new Uint8Array(Buffer.from(value, 'base64'));
  return new Uint8Array();
}

function isSet(message: Record<string, unknown>, field: FieldDef): boolean {
  const value = message[field.name];
  if (field.rule === 'repeated') return Array.isArray(value) && value.length > 0;
  return Object.hasOwn(message, field.name) && value != null;
}

function scalarText(field: FieldDef, value: unknown): string {
  if (field.kind === 'enum') {
    const values = enumDef(field.type)?.values ?? {};
    const name = Object.keys(values).find((key) => values[key] === value);
    return name ?? String(value);
  }
  switch (field.type) {
    case 'string':
      return `"${cEscape(encoder.encode(String(value)))}"`;
    case 'bytes':
      return `"${cEscape(bytesOf(value))}"`;
    case 'double':
      return simpleDtoa(Number(value));
    case 'float':
      return simpleFtoa(Number(value));
    case 'bool':
      return value === true ? 'true' : 'false';
    default:
      return String(value);
  }
}

function printMessage(typeName: string, message: Record<string, unknown>, indent: string, out: string[]): void {
  const def = messageDef(typeName);
  if (def === undefined) return;
  const fields = [...def.fields].sort((a, b) => a.id - b.id);
  for (const field of fields) {
    if (!isSet(message, field)) continue;
    const raw = message[field.name];
    const values: unknown[] = field.rule === 'repeated' ? (raw as unknown[]) : [raw];
    for (const value of values) {
      if (field.kind === 'message') {
        out.push(`${indent}${field.name} {\n`);
        printMessage(field.type, (value ?? {}) as Record<string, unknown>, `${indent}  `, out);
        out.push(`${indent}}\n`);
      } else {
        out.push(`${indent}${field.name}: ${scalarText(field, value)}\n`);
      }
    }
  }
}

/**
 * `Message::DebugString()`: set fields in field-number order, one per line,
 * nested messages as `name {` ... `}` indented by two spaces. `typeName` is the
 * full protobuf name, e.g. "mesos.ExecutorInfo". Unknown fields are not printed.
 */
export function debugString(typeName: string, message: object): string {
  const out: string[] = [];
  printMessage(typeName, message as Record<string, unknown>, '', out);
  return out.join('');
}
