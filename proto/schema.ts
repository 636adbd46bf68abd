// Field-level schema of every message, read from proto/gen/descriptor.json (the pbjs JSON
// descriptor) without protobufjs reflection: loading that costs ~150 ms at first use,
// while this index builds in a few milliseconds. Used by json.ts.

import { readFileSync } from 'node:fs';

export type FieldRule = 'optional' | 'required' | 'repeated';

export interface FieldDef {
  readonly name: string;
  readonly id: number;
  readonly rule: FieldRule;
  /** A scalar type name ("uint64", "bytes", ...) or the full name of an enum or message. */
  readonly type: string;
  readonly kind: 'scalar' | 'enum' | 'message';
  /** Only for fields with an explicit [default = ...]; enum defaults are value names. */
  readonly defaultValue: unknown;
}

export interface MessageDef {
  readonly fullName: string;
  /** In .proto declaration order. */
  readonly fields: readonly FieldDef[];
}

export interface EnumDef {
  readonly fullName: string;
  /** Value name -> number, in declaration order. */
  readonly values: Readonly<Record<string, number>>;
}

interface RawField {
  rule?: string;
  type: string;
  id: number;
  options?: Record<string, unknown>;
}

interface RawNode {
  fields?: Record<string, RawField>;
  values?: Record<string, number>;
  nested?: Record<string, RawNode>;
}

type Entry =
  | { kind: 'message'; node: RawNode }
  | { kind: 'enum'; node: RawNode }
  | { kind: 'namespace' };

const SCALARS = new Set([
  'double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32',
  'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool', 'string', 'bytes',
]);

let index: Map<string, Entry> | undefined;
const messages = new Map<string, MessageDef>();
const enums = new Map<string, EnumDef>();

function walk(prefix: string, nested: Record<string, RawNode>, into: Map<string, Entry>): void {
  for (const [name, node] of Object.entries(nested)) {
    const full = prefix === '' ? name : `${prefix}.${name}`;
    if (node.fields !== undefined) into.set(full, { kind: 'message', node });
    else if (node.values !== undefined) into.set(full, { kind: 'enum', node });
    else into.set(full, { kind: 'namespace' });
    if (node.nested) walk(full, node.nested, into);
  }
}

function getIndex(): Map<string, Entry> {
  if (index) return index;
  const text = readFileSync(new URL('./gen/descriptor.json', import.meta.url), 'utf8');
  const root = JSON.parse(text) as RawNode;
  const built = new Map<string, Entry>();
  walk('', root.nested ?? {}, built);
  index = built;
  return built;
}

/**
 * Resolves a type reference as written in the .proto, from inside message `scope`:
 * the innermost enclosing scope that defines it wins (protobuf's scoping rule).
 */
function resolve(ref: string, scope: string, idx: Map<string, Entry>): string {
  if (ref.startsWith('.')) return ref.slice(1);
  let s = scope;
  for (;;) {
    const candidate = s === '' ? ref : `${s}.${ref}`;
    const entry = idx.get(candidate);
    if (entry !== undefined && entry.kind !== 'namespace') return candidate;
    if (s === '') break;
    const dot = s.lastIndexOf('.');
    s = dot < 0 ? '' : s.slice(0, dot);
  }
  throw new Error(`proto/schema: cannot resolve type '${ref}' in '${scope}'`);
}

/** The message's fields, or undefined if there is no message of that full name. */
export function messageDef(fullName: string): MessageDef | undefined {
  const cached = messages.get(fullName);
  if (cached) return cached;
  const idx = getIndex();
  const entry = idx.get(fullName);
  if (entry?.kind !== 'message') return undefined;
  const fields: FieldDef[] = [];
  for (const [name, raw] of Object.entries(entry.node.fields ?? {})) {
    let type = raw.type;
    let kind: FieldDef['kind'] = 'scalar';
    if (!SCALARS.has(type)) {
      type = resolve(type, fullName, idx);
      kind = idx.get(type)?.kind === 'enum' ? 'enum' : 'message';
    }
    const rule: FieldRule = raw.rule === 'required' ? 'required' : raw.rule === 'repeated' ? 'repeated' : 'optional';
    const options = raw.options ?? {};
    const defaultValue = Object.prototype.hasOwnProperty.call(options, 'default') ? options['default'] : undefined;
    fields.push({ name, id: raw.id, rule, type, kind, defaultValue });
  }
  const def: MessageDef = { fullName, fields };
  messages.set(fullName, def);
  return def;
}

/** The enum's values, or undefined if there is no enum of that full name. */
export function enumDef(fullName: string): EnumDef | undefined {
  const cached = enums.get(fullName);
  if (cached) return cached;
  const entry = getIndex().get(fullName);
  if (entry?.kind !== 'enum') return undefined;
  const def: EnumDef = { fullName, values: entry.node.values ?? {} };
  enums.set(fullName, def);
  return def;
}
