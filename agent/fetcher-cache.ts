// The fetcher cache's bookkeeping (FetcherProcess::Cache in Mesos 1.0's
// src/slave/containerizer/fetcher.cpp): entries keyed by user and URI, each one file in
// the cache directory; space reserved up front from the expected size, evicting the least
// recently used unreferenced entries, then adjusted to the real size after the download.
// Everything but the file removals is synchronous bookkeeping on the fetcher's state.

import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheFilename, cacheKey } from './fetcher-uri.js';

export class CacheEntry {
  /** Bytes claimed in the cache; 0 until space is reserved. */
  size = 0;
  private references = 0;
  private state: 'pending' | 'complete' | 'failed' = 'pending';
  private readonly settled: Promise<void>;
  private settle!: (error?: Error) => void;

  constructor(
    readonly key: string,
    readonly directory: string,
    readonly filename: string,
  ) {
    this.settled = new Promise<void>((resolve, reject) => {
      this.settle = (error?: Error): void => (error ? reject(error) : resolve());
    });
    this.settled.catch(() => undefined);
  }

  get path(): string {
    return join(this.directory, this.filename);
  }

  /** Settles once the download into the cache succeeded (or failed). */
  completion(): Promise<void> {
    return this.settled;
  }

  isPending(): boolean {
    return this.state === 'pending';
  }

  complete(): void {
    if (this.state !== 'pending') throw new Error(`Cache entry '${this.key}' is not pending`);
    this.state = 'complete';
    this.settle();
  }

  fail(): void {
    if (this.state !== 'pending') throw new Error(`Cache entry '${this.key}' is not pending`);
    this.state = 'failed';
    this.settle(new Error(`Could not download to fetcher cache: ${this.key}`));
  }

  reference(): void {
    this.references++;
  }

  unreference(): void {
    if (this.references === 0) throw new Error(`Cache entry '${this.key}' is not referenced`);
    this.references--;
  }

  isReferenced(): boolean {
    return this.references > 0;
  }
}

export class FetcherCache {
  private readonly table = new Map<string, CacheEntry>();
  /** Least recently used first. */
  private lru: CacheEntry[] = [];
  private serial = 0;
  private tally = 0;

  constructor(
    /** --fetcher_cache_size in bytes. */
    private readonly space: number,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  get size(): number {
    return this.table.size;
  }

  availableSpace(): number {
    if (this.tally > this.space) {
      this.warn(`Fetcher cache space overflow - space used: ${this.tally}, exceeds total fetcher cache space: ${this.space}`);
      return 0;
    }
    return this.space - this.tally;
  }

  create(directory: string, user: string | undefined, uri: string): CacheEntry {
    const entry = new CacheEntry(cacheKey(user, uri), directory, cacheFilename(++this.serial, uri));
    this.table.set(entry.key, entry);
    this.lru.push(entry);
    return entry;
  }

  /** The entry for the user and URI, refreshed as most recently used. */
  get(user: string | undefined, uri: string): CacheEntry | undefined {
    const entry = this.table.get(cacheKey(user, uri));
    if (entry) {
      this.lru = this.lru.filter((e) => e !== entry);
      this.lru.push(entry);
    }
    return entry;
  }

  contains(entry: CacheEntry): boolean {
    return this.table.get(entry.key) === entry;
  }

  entries(): CacheEntry[] {
    return [...this.lru];
  }

  /**
   * Drops an entry (failed size check, failed download, or eviction) and deletes whatever
   * was downloaded of it. The entry must not be pending.
   */
  async remove(entry: CacheEntry): Promise<void> {
    if (entry.isPending()) throw new Error(`Cannot remove pending cache entry '${entry.key}'`);
    if (!this.contains(entry)) return;
    this.table.delete(entry.key);
    this.lru = this.lru.filter((e) => e !== entry);
    // Space is only claimed when size > 0 (see reserve()).
    if (entry.size > 0) {
      this.releaseSpace(entry.size);
      entry.size = 0;
    }
    try {
      await rm(entry.path, { force: true });
    } catch (error) {
      throw new Error(
        `Could not delete fetcher cache file '${entry.path}' with error: ${(error as Error).message} ` +
          `for entry '${entry.key}'`,
      );
    }
  }

  /** Unreferenced entries, oldest first, whose sizes add up to `required`. */
  selectVictims(required: number): CacheEntry[] | undefined {
    const victims: CacheEntry[] = [];
    let space = 0;
    for (const entry of this.lru) {
      if (entry.isReferenced()) continue;
      victims.push(entry);
      space += entry.size;
      if (space >= required) return victims;
    }
    return undefined;
  }

  /** Makes room for `requested` bytes by evicting; then claims them for the entry. */
  async reserve(entry: CacheEntry, requested: number): Promise<void> {
    const available = this.availableSpace();
    if (available < requested) {
      const victims = this.selectVictims(requested - available);
      if (!victims) throw new Error('Could not free up enough fetcher cache space');
      for (const victim of victims) await this.remove(victim);
    }
    this.claimSpace(requested);
    entry.size = requested;
  }

  /** After a download: the real size replaces the estimate; a larger one is an error. */
  async adjust(entry: CacheEntry): Promise<void> {
    let actual: number;
    try {
      actual = (await lstat(entry.path)).size;
    } catch {
      throw new Error(`Fetcher cache file for '${entry.key}' disappeared from: ${entry.path}`);
    }
    if (actual > entry.size) throw new Error(`More cache size now necessary, not adjusting ${entry.key}`);
    if (actual < entry.size) {
      this.warn(`URI download result for '${entry.key}' is smaller than expected by ${entry.size - actual}`);
      this.releaseSpace(entry.size - actual);
      entry.size = actual;
    }
  }

  private claimSpace(bytes: number): void {
    this.tally += bytes;
    if (this.tally > this.space) {
      this.warn(`Fetcher cache space overflow - space used: ${this.tally}, exceeds total fetcher cache space: ${this.space}`);
    }
  }

  private releaseSpace(bytes: number): void {
    this.tally = Math.max(0, this.tally - bytes);
  }
}
