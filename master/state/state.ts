// State: versioned variables over a Storage, with optimistic concurrency.
// fetch() returns the variable (a new, empty one when the name is unknown);
// store() succeeds only if nobody wrote the variable since it was fetched and
// then returns the variable at its new version, otherwise undefined.
//
//   const state = new State(storage);
//   const v = await state.fetch('slaves');
//   const stored = await state.store(v.mutate(update(v.value)));
//   if (stored === undefined) { /* somebody else wrote first: fetch again */ }
//
// Facts from Mesos 1.0: include/mesos/state/state.hpp (Variable, State, a new
// variable gets a random UUID and an empty value, every store writes a new
// random UUID even when the value did not change) and
// include/mesos/state/protobuf.hpp (typed variables: fetch deserializes,
// store serializes; a value that does not parse fails the fetch).

import { type Entry, randomUuid, type Storage, StorageError } from './storage.js';
import { errorText } from '../../common/errors.js';

/** An immutable snapshot of one variable: its name, value and version. */
export class Variable {
  /** @internal use State.fetch */
  constructor(private readonly entry: Entry) {}

  get name(): string {
    return this.entry.name;
  }

  get value(): Uint8Array {
    return this.entry.value;
  }

  /** The version this variable was fetched or stored at. */
  get uuid(): Uint8Array {
    return this.entry.uuid;
  }

  /** The same variable (same version) with another value, to pass to State.store. */
  mutate(value: Uint8Array): Variable {
    return new Variable({ name: this.entry.name, uuid: this.entry.uuid, value });
  }

  /** @internal */
  get _entry(): Entry {
    return this.entry;
  }
}

/** What a typed variable needs from a generated protobuf class. */
export interface MessageCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

/** A variable whose value is a protobuf message (mesos::state::protobuf::Variable). */
export class MessageVariable<T> {
  /** @internal use State.fetchMessage */
  constructor(
    readonly variable: Variable,
    readonly value: T,
    readonly codec: MessageCodec<T>,
  ) {}

  get name(): string {
    return this.variable.name;
  }

  get uuid(): Uint8Array {
    return this.variable.uuid;
  }

  /** Bytes of the value as last fetched or stored. */
  get storedSize(): number {
    return this.variable.value.byteLength;
  }

  mutate(value: T): MessageVariable<T> {
    return new MessageVariable(this.variable, value, this.codec);
  }
}

export class State {
  constructor(readonly storage: Storage) {}

  /** The variable with this name; a new one (empty value, fresh version) if none is stored. */
  async fetch(name: string): Promise<Variable> {
    const entry = await this.storage.get(name);
    if (entry !== undefined) return new Variable(entry);
    return new Variable({ name, uuid: randomUuid(), value: new Uint8Array(0) });
  }

  /**
   * Stores the variable under a new version if the stored one is still the
   * version it was fetched at. Resolves undefined on a version mismatch.
   */
  async store(variable: Variable): Promise<Variable | undefined> {
    const entry: Entry = { name: variable.name, uuid: randomUuid(), value: variable.value };
    const stored = await this.storage.set(entry, variable.uuid);
    return stored ? new Variable(entry) : undefined;
  }

  /** Removes the variable if it is still at the fetched version. */
  expunge(variable: Variable): Promise<boolean> {
    return this.storage.expunge(variable._entry);
  }

  names(): Promise<string[]> {
    return this.storage.names();
  }

  /** Fetches a protobuf-valued variable; an empty value decodes as an empty message. */
  async fetchMessage<T>(name: string, codec: MessageCodec<T>): Promise<MessageVariable<T>> {
    const variable = await this.fetch(name);
    let value: T;
    try {
      value = codec.decode(variable.value);
    } catch (error) {
      throw new StorageError(`Failed to deserialize state variable '${name}': ${errorText(error)}`, { cause: error });
    }
    return new MessageVariable(variable, value, codec);
  }

  /** Serializes and stores a protobuf-valued variable; undefined on a version mismatch. */
  async storeMessage<T>(variable: MessageVariable<T>): Promise<MessageVariable<T> | undefined> {
    const bytes = variable.codec.encode(variable.value).finish();
    const stored = await this.store(variable.variable.mutate(bytes));
    return stored === undefined ? undefined : new MessageVariable(stored, variable.value, variable.codec);
  }

  expungeMessage<T>(variable: MessageVariable<T>): Promise<boolean> {
    return this.expunge(variable.variable);
  }
}

