// The agent's fetcher (Mesos 1.0: Fetcher/FetcherProcess in
// src/slave/containerizer/fetcher.cpp plus the mesos-fetcher program in
// src/launcher/fetcher.cpp): brings a command's URIs into the sandbox before its
// executor starts.
//
// Per fetch: validate the URIs; hand the sandbox to the user (the command's `user`, else
// the executor's); for `cache: true` URIs find or create a cache entry (reserving space
// from the expected size, evicting least recently used entries); truncate the sandbox's
// `stdout` and `stderr` and log progress into `stderr`; fetch each URI in order
// (fetcher-run.ts); finally settle the cache entries. Mesos runs the last part as a child
// program; here it runs in-process, with its helper commands (cp, tar, gzip, unzip,
// curl, hadoop) as child processes of the agent running as the task's user. kill() aborts
// a container's fetch, killing those helpers.
//
// A failed fetch rejects with `Failed to fetch all URIs for container '<id>': Failed to
// fetch '<uri>': <reason>`; the same line ends the sandbox's stderr.

import type { ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../libprocess/index.js';
import { has, mesos, toJSONString } from '../proto/index.js';
import type { ContainerFetcher } from './containerizer/containerizer.js';
import { killtree } from './containerizer/proc.js';
import { chownToUser, currentUid, lookupUser } from './containerizer/user.js';
import { FetcherCache, type CacheEntry } from './fetcher-cache.js';
import {
  BYPASS_CACHE,
  DOWNLOAD_AND_CACHE,
  RETRIEVE_FROM_CACHE,
  createCacheDirectory,
  fetchItem,
  fetchSize,
  type FetchContext,
  type FetcherItem,
} from './fetcher-run.js';
import { validateUris } from './fetcher-uri.js';
import { getSlavePath, type IdLike } from './paths.js';

export interface FetcherFlags {
  /** Bytes. */
  fetcher_cache_size: number;
  fetcher_cache_dir: string;
  frameworks_home: string;
  hadoop_home: string;
}

interface Running {
  readonly abort: AbortController;
  readonly children: Set<ChildProcess>;
  killed: boolean;
}

type CommandInfo = mesos.CommandInfo.$Properties;
type Uri = mesos.CommandInfo.URI.$Properties;

function glogPrefix(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const micros = String(date.getMilliseconds() * 1000).padStart(6, '0');
  return (
    `I${two(date.getMonth() + 1)}${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${micros} ${process.pid} fetcher.ts] `
  );
}

/** Appends lines to a file handle in order; write failures are ignored (best effort log). */
class LineLog {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: FileHandle | undefined) {}

  line(text: string, prefixed = true): void {
    const file = this.file;
    if (!file) return;
    const data = `${prefixed ? glogPrefix(new Date()) : ''}${text}\n`;
    this.chain = this.chain.then(() => file.write(data)).catch(() => undefined);
  }

  flush(): Promise<unknown> {
    return this.chain;
  }
}

export class Fetcher implements ContainerFetcher {
  private readonly cache: FetcherCache;
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly flags: FetcherFlags,
    private readonly log?: Logger,
  ) {
    this.cache = new FetcherCache(flags.fetcher_cache_size, (m) => this.log?.warn(m));
  }

  /** Empties this agent's fetcher cache directory (Mesos recovers nothing from it). */
  static async recover(agentId: IdLike, flags: Pick<FetcherFlags, 'fetcher_cache_dir'>): Promise<void> {
    await rm(getSlavePath(flags.fetcher_cache_dir, agentId), { recursive: true, force: true });
  }

  /** Number of cache entries (for tests and metrics). */
  cacheSize(): number {
    return this.cache.size;
  }

  availableCacheSpace(): number {
    return this.cache.availableSpace();
  }

  /** The cache's files for an agent, as paths. */
  async cacheFiles(agentId: IdLike): Promise<string[]> {
    const root = getSlavePath(this.flags.fetcher_cache_dir, agentId);
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.name.startsWith('c')) found.push(path);
      }
    };
    await walk(root);
    return found.sort();
  }

  kill(containerId: string): void {
    const running = this.running.get(containerId);
    if (!running) return;
    this.log?.info(`Killing the fetcher for container '${containerId}'`);
    running.killed = true;
    running.abort.abort();
    for (const child of running.children) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        killtree(child.pid, 'SIGKILL');
      }
    }
  }

  async fetch(
    containerId: string,
    commandInfo: CommandInfo,
    sandboxDirectory: string,
    user: string | undefined,
    agentId: string,
  ): Promise<void> {
    const uris = commandInfo.uris ?? [];
    if (uris.length === 0) return;
    if (this.running.has(containerId)) throw new Error(`Already fetching for container '${containerId}'`);

    const invalid = validateUris(commandInfo);
    if (invalid !== undefined) throw new Error(`Could not fetch: ${invalid}`);

    const running: Running = { abort: new AbortController(), children: new Set(), killed: false };
    this.running.set(containerId, running);
    try {
      await this.fetchAll(containerId, uris, commandInfo, sandboxDirectory, user, agentId, running);
    } catch (error) {
      if (running.killed) throw new Error(`Failed to fetch all URIs for container '${containerId}': killed`);
      throw error;
    } finally {
      this.running.delete(containerId);
    }
  }

  private async fetchAll(
    containerId: string,
    uris: readonly Uri[],
    commandInfo: CommandInfo,
    sandbox: string,
    user: string | undefined,
    agentId: string,
    running: Running,
  ): Promise<void> {
    const commandUser = has(commandInfo, 'user') ? (commandInfo.user ?? undefined) : user;
    let cacheDirectory = getSlavePath(this.flags.fetcher_cache_dir, agentId);
    // Per-user cache directories.
    if (commandUser !== undefined) cacheDirectory = join(cacheDirectory, commandUser);

    if (commandUser !== undefined) {
      try {
        await chownToUser(commandUser, sandbox);
      } catch (error) {
        throw new Error(
          `Failed to chown directory: ${sandbox} to user: ${commandUser} with error: ${(error as Error).message}`,
        );
      }
    }

    const entries = this.cacheEntries(uris, cacheDirectory, commandUser, running.abort.signal);
    const settled = await Promise.allSettled(entries.map((e) => e.entry ?? Promise.resolve(undefined)));
    const chosen = entries.map((e, i) => {
      const result = settled[i];
      if (e.entry === undefined) return { uri: e.uri, entry: undefined };
      if (result?.status === 'fulfilled' && result.value !== undefined) return { uri: e.uri, entry: result.value };
      const reason = result?.status === 'rejected' ? (result.reason as Error).message : 'unknown';
      this.log?.warn(
        `Reverting to fetching directly into the sandbox for '${e.uri.value}', due to failure to fetch ` +
          `through the cache, with error: ${reason}`,
      );
      return { uri: e.uri, entry: undefined };
    });

    const items: FetcherItem[] = chosen.map(({ uri, entry }) => {
      if (!entry) return { uri, action: BYPASS_CACHE };
      return {
        uri,
        action: entry.isPending() ? DOWNLOAD_AND_CACHE : RETRIEVE_FROM_CACHE,
        cache_filename: entry.filename,
      };
    });
    const info: mesos.fetcher.FetcherInfo.$Properties = {
      sandbox_directory: sandbox,
      cache_directory: cacheDirectory,
      items,
      ...(commandUser !== undefined ? { user: commandUser } : {}),
      ...(this.flags.frameworks_home !== '' ? { frameworks_home: this.flags.frameworks_home } : {}),
    };

    // Every entry in `used` holds one reference of ours; pending ones are ours to download.
    const used = chosen.flatMap((c) => (c.entry ? [c.entry] : []));
    let failure: unknown;
    try {
      await this.run(containerId, info, commandUser, running);
    } catch (error) {
      failure = error;
    }
    for (const entry of used) {
      entry.unreference();
      if (!entry.isPending()) continue;
      if (failure === undefined) {
        try {
          await this.cache.adjust(entry);
          entry.complete();
          continue;
        } catch (error) {
          // Fetched fine, but not reusable from the cache.
          this.log?.warn(`Failed to adjust the cache size for entry '${entry.key}' with error: ${(error as Error).message}`);
        }
      }
      entry.fail();
      await this.cache.remove(entry).catch((error: Error) => this.log?.warn(error.message));
    }
    if (failure !== undefined) throw failure;
  }

  private cacheEntries(
    uris: readonly Uri[],
    cacheDirectory: string,
    user: string | undefined,
    signal: AbortSignal,
  ): { uri: Uri; entry?: Promise<CacheEntry> }[] {
    return uris.map((uri) => {
      if (!(uri.cache ?? false)) return { uri };
      const existing = this.cache.get(user, uri.value);
      if (existing) {
        existing.reference();
        // Wait for its download; a failed one means bypassing the cache this time.
        const entry = existing.completion().then(
          () => existing,
          (error: unknown) => {
            existing.unreference();
            throw error;
          },
        );
        return { uri, entry };
      }
      const created = this.cache.create(cacheDirectory, user, uri.value);
      created.reference();
      // Anyone waiting on a failed entry bypasses the cache; later fetches try again.
      const abandon = async (text: string): Promise<never> => {
        created.unreference();
        created.fail();
        await this.cache.remove(created).catch(() => undefined);
        throw new Error(text);
      };
      const entry = fetchSize(uri.value, this.flags.frameworks_home, signal).then(
        async (size) => {
          try {
            await this.cache.reserve(created, size);
          } catch (error) {
            return abandon(`Failed to reserve space in the cache: ${(error as Error).message}`);
          }
          return created;
        },
        (error: unknown) =>
          abandon(`Could not determine size of cache file for '${created.key}' with error: ${(error as Error).message}`),
      );
      return { uri, entry };
    });
  }

  /** The mesos-fetcher part: sandbox stdout/stderr, then every item in order. */
  private async run(
    containerId: string,
    info: mesos.fetcher.FetcherInfo.$Properties,
    user: string | undefined,
    running: Running,
  ): Promise<void> {
    const sandbox = info.sandbox_directory;
    const files: FileHandle[] = [];
    const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC;
    for (const name of ['stdout', 'stderr']) {
      try {
        files.push(await open(join(sandbox, name), flags, 0o644));
      } catch (error) {
        await Promise.all(files.map((f) => f.close()));
        throw new Error(`Failed to create '${name}' file: ${(error as Error).message}`);
      }
    }
    const log = new LineLog(files[1]);
    try {
      if (user !== undefined) {
        try {
          await chownToUser(user, sandbox, true);
        } catch (error) {
          throw new Error(
            `Failed to chown directory: '${sandbox}' to user '${user}' with error: ${(error as Error).message}`,
          );
        }
      }
      log.line(`Fetcher Info: ${toJSONString(mesos.fetcher.FetcherInfo, mesos.fetcher.FetcherInfo.create(info))}`);
      await this.runItems(containerId, info, user, running, log);
    } finally {
      await log.flush();
      await Promise.all(files.map((f) => f.close().catch(() => undefined)));
    }
  }

  private async runItems(
    containerId: string,
    info: mesos.fetcher.FetcherInfo.$Properties,
    user: string | undefined,
    running: Running,
    log: LineLog,
  ): Promise<void> {
    let ids: { uid: number; gid: number } | undefined;
    if (user !== undefined) {
      const found = await lookupUser(user);
      const self = currentUid();
      if (!found || (found.uid !== self && self !== 0)) {
        const text = `Fetcher could not execute \`os::su()\` for user '${user}'`;
        log.line(text, false);
        throw new Error(`Failed to fetch all URIs for container '${containerId}': ${text}`);
      }
      ids = { uid: found.uid, gid: found.gid };
    }
    const ctx: FetchContext = {
      sandbox: info.sandbox_directory,
      cacheDirectory: info.cache_directory ?? undefined,
      frameworksHome: info.frameworks_home ?? undefined,
      hadoopHome: this.flags.hadoop_home,
      user: ids,
      signal: running.abort.signal,
      log: (line) => log.line(line),
      track: (child) => {
        running.children.add(child);
        child.once('exit', () => running.children.delete(child));
      },
    };
    try {
      await createCacheDirectory(ctx, info.items ?? []);
    } catch (error) {
      const text = `Could not create the fetcher cache directory: ${(error as Error).message}`;
      log.line(text, false);
      throw new Error(`Failed to fetch all URIs for container '${containerId}': ${text}`);
    }
    for (const item of info.items ?? []) {
      let fetched: string;
      try {
        fetched = await fetchItem(ctx, item);
      } catch (error) {
        const text = `Failed to fetch '${item.uri.value}': ${(error as Error).message}`;
        log.line(text, false);
        this.log?.warn(`Fetcher for container ${containerId}: ${text}`);
        throw new Error(`Failed to fetch all URIs for container '${containerId}': ${text}`);
      }
      log.line(`Fetched '${item.uri.value}' to '${fetched}'`);
    }
  }
}
