// Polling for the tests that wait on real time (TCP worlds, child processes).

/** Polls `read` every `intervalMs` until it gives a value; fails after `timeoutMs`. */
export async function eventually<T>(read: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
