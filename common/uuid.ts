// UUID checks shared by master and agent validation.

/**
 * UUID::fromBytes (3rdparty/stout/include/stout/uuid.hpp): 16 bytes whose
 * version nibble (high half of byte 6) is 1 to 5. Returns the error text.
 */
export function validateUuidBytes(bytes: Uint8Array | null | undefined): string | undefined {
  if (bytes == null || bytes.length !== 16) return 'Not a valid UUID';
  const version = (bytes[6] ?? 0) >> 4;
  return version >= 1 && version <= 5 ? undefined : 'Not a valid UUID';
}
