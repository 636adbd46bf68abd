// v0 <-> v1 message conversion (Mesos's evolve()/devolve(), src/internal/):
// the two packages share field numbers, so converting is re-encoding.

/** Re-encodes a message of one package as its twin in the other (v0 -> v1 or v1 -> v0). */
export function evolve<P, T>(from: { encode(message: P): { finish(): Uint8Array } }, to: { decode(bytes: Uint8Array): T }, message: P): T {
  return to.decode(from.encode(message).finish());
}
