// Random (version 4) UUIDs as the 16 raw bytes Mesos puts in status updates
// (stout's UUID::random().toBytes()), and their text form for map keys and logs.

import { randomBytes } from 'node:crypto';

/** 16 random bytes with the RFC 4122 version (4) and variant bits set. */
export function uuidBytes(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return Uint8Array.from(bytes);
}

/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` for 16 bytes. */
export function uuidText(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
