// Lookup of generated message codecs by full protobuf name, and back.
//
// libprocess names every message by the full name of its protobuf type
// ("mesos.internal.RegisterSlaveMessage"), so the transport decodes by name.

import type { Reader, Writer } from 'protobufjs';
import { appc, docker, mesos } from './gen/mesos.js';

export type { Reader, Writer };

/** The static surface every generated message class has. */
export interface MessageCodec<T extends object = object> {
  encode(message: T, writer?: Writer): Writer;
  decode(reader: Reader | Uint8Array, length?: number): T;
  create(properties?: T): T;
}

/** The message type a generated class decodes to, e.g. `MessageOf<typeof mesos.TaskInfo>`. */
export type MessageOf<C> = C extends { decode(reader: Reader | Uint8Array, length?: number): infer T }
  ? T
  : never;

interface Registry {
  readonly byName: Map<string, MessageCodec>;
  readonly byCodec: WeakMap<object, string>;
}

let registry: Registry | undefined;

function isCodec(value: unknown): value is MessageCodec {
  if (typeof value !== 'function') return false;
  const v = value as unknown as Record<string, unknown>;
  return typeof v['encode'] === 'function' && typeof v['decode'] === 'function';
}

function walk(prefix: string, node: object, reg: Registry): void {
  for (const [key, value] of Object.entries(node)) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) continue;
    const name = `${prefix}.${key}`;
    if (isCodec(value)) {
      reg.byName.set(name, value);
      reg.byCodec.set(value, name);
      walk(name, value, reg);
    } else if (typeof value === 'object') {
      walk(name, value as object, reg);
    }
  }
}

function build(): Registry {
  const reg: Registry = { byName: new Map(), byCodec: new WeakMap() };
  walk('mesos', mesos, reg);
  walk('appc', appc, reg);
  walk('docker', docker, reg);
  return reg;
}

function get(): Registry {
  registry ??= build();
  return registry;
}

/** Codec for a full protobuf type name, or undefined when there is no such message. */
export function messageTypeByName(fullName: string): MessageCodec | undefined {
  return get().byName.get(fullName);
}

/** Full protobuf type name of a generated class (`mesos.TaskInfo` -> "mesos.TaskInfo"). */
export function messageNameOf(codec: object): string | undefined {
  return get().byCodec.get(codec);
}

/** All registered full names, sorted. */
export function messageTypeNames(): string[] {
  return [...get().byName.keys()].sort();
}

/** Encodes to a fresh byte array. */
export function encodeMessage<T extends object>(codec: MessageCodec<T>, message: T): Uint8Array {
  return codec.encode(message).finish();
}

/**
 * Whether an optional field is set. Decoded messages carry proto2 defaults on
 * their prototype (e.g. `StatusUpdate.latest_state` reads TASK_STAGING when
 * absent), so `msg.field ?? x` cannot tell "unset" from "set to the default".
 */
export function has<T extends object>(message: T | null | undefined, field: keyof T & string): boolean {
  if (message === null || message === undefined) return false;
  if (!Object.prototype.hasOwnProperty.call(message, field)) return false;
  const value = (message as Record<string, unknown>)[field];
  return value !== null && value !== undefined;
}
