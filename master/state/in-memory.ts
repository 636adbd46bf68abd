// Entries in a Map, for --registry=in_memory (tests and throwaway masters).
// Semantics as src/state/in_memory.cpp in Mesos 1.0. Values are copied in
// and out so callers never share buffers with the store.

import { copyEntry, type Entry, type Storage, uuidEquals } from './storage.js';

export class InMemoryStorage implements Storage {
  private readonly entries = new Map<string, Entry>();

  get(name: string): Promise<Entry | undefined> {
    const entry = this.entries.get(name);
    return Promise.resolve(entry === undefined ? undefined : copyEntry(entry));
  }

  set(entry: Entry, uuid: Uint8Array): Promise<boolean> {
    const existing = this.entries.get(entry.name);
    if (existing !== undefined && !uuidEquals(existing.uuid, uuid)) return Promise.resolve(false);
    this.entries.set(entry.name, copyEntry(entry));
    return Promise.resolve(true);
  }

  expunge(entry: Entry): Promise<boolean> {
    const existing = this.entries.get(entry.name);
    if (existing === undefined || !uuidEquals(existing.uuid, entry.uuid)) return Promise.resolve(false);
    this.entries.delete(entry.name);
    return Promise.resolve(true);
  }

  names(): Promise<string[]> {
    return Promise.resolve([...this.entries.keys()].sort());
  }
}
