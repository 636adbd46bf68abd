// Small helpers shared by the master's validation modules (master/validation*.ts).
// No Mesos policy lives here: only field presence, the ID character rule and
// the UUID byte check that several rules build on.

/**
 * Protobuf field presence for both plain objects and decoded messages (decoded
 * messages read unset fields through the prototype, so `in`/`!== undefined`
 * would see defaults as set).
 */
export function has<T extends object>(message: T | null | undefined, field: keyof T & string): boolean {
  return message != null && Object.hasOwn(message, field) && message[field] != null;
}

// iscntrl(c) in the C locale (0x00-0x1f, 0x7f), '/' and '\'
// (src/master/validation.cpp, invalidCharacter).
const INVALID_ID_CHARACTER = /[\u0000-\u001f\u007f/\\]/;

/** True when an ID (task ID, persistence ID) contains a character Mesos 1.0 rejects. */
export function hasInvalidIdCharacter(id: string): boolean {
  return INVALID_ID_CHARACTER.test(id);
}

export { validateUuidBytes } from '../common/uuid.js';

/** The `value` of an ID message (FrameworkID, SlaveID, ...), "" when unset, like the C++ getters. */
export function idValue(id: { value?: string | null } | null | undefined): string {
  return id?.value ?? '';
}
