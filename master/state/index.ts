// Public surface of the master's state storage (Mesos's mesos::state).

export { FileStorage, encodeEntryName, decodeEntryName, versionFileName, type FileStorageOptions } from './file.js';
export { InMemoryStorage } from './in-memory.js';
export { MessageVariable, State, Variable, type MessageCodec } from './state.js';
export {
  CorruptEntryError,
  StorageError,
  formatUuid,
  randomUuid,
  uuidEquals,
  type Entry,
  type Storage,
} from './storage.js';
