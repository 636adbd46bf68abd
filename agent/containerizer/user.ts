// Users of executors and fetches: which user an executor runs as (src/slave/slave.cpp,
// Framework::launchExecutor in Mesos 1.0), looking that user up in the system's user
// database (getpwnam through `getent`, so NSS sources such as LDAP count), and stout's
// `os::chown(user, path, recursive)`, which Mesos 1.0 does by running `chown -R`.
//
// Both happen for every executor launched, so neither forks a process each time: found
// users are remembered for USER_CACHE_TTL_MS (concurrent lookups of one name share one
// `getent`; a user not found is asked again next time), and the recursive chown walks
// the tree in this process as `chown -R` would (no symlink followed, links themselves
// changed). Forking the agent, a large process, was most of its CPU time when launching
// many tasks (docs/performance.md).

import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chown, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { has, type mesos } from '../../proto/index.js';

export interface UserInfo {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
}

/** Runs a program to completion without a shell; never rejects. */
export function run(file: string, args: readonly string[]): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
      if (e === null) {
        resolve({ code: 0, signal: null, stdout, stderr });
      } else if (typeof e.code === 'number') {
        resolve({ code: e.code, signal: e.signal ?? null, stdout, stderr });
      } else if (e.signal) {
        resolve({ code: null, signal: e.signal, stdout, stderr });
      } else {
        resolve({ code: null, signal: null, stdout, stderr, error: e });
      }
    });
  });
}

/** How long a found passwd entry is reused before `getent` is asked again. */
export const USER_CACHE_TTL_MS = 10_000;

const users = new Map<string, { info: Promise<UserInfo | undefined>; expires: number }>();

/** Forgets remembered users (tests). */
export function clearUserCache(): void {
  users.clear();
}

async function getent(name: string): Promise<UserInfo | undefined> {
  // `getent passwd 123` looks up uid 123; a user name never needs that behaviour.
  const result = await run('getent', ['passwd', '--', name]);
  if (result.error) throw new Error(`Failed to look up user '${name}': ${result.error.message}`);
  if (result.code !== 0) return undefined;
  for (const line of result.stdout.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7 || fields[0] !== name) continue;
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    return { name, uid, gid, home: fields[5] ?? '', shell: fields[6] ?? '' };
  }
  return undefined;
}

/** The passwd entry of `name`, or undefined when there is no such user. */
export function lookupUser(name: string, now: number = Date.now()): Promise<UserInfo | undefined> {
  if (name === '' || name.includes('\0')) return Promise.resolve(undefined);
  const cached = users.get(name);
  if (cached !== undefined && cached.expires > now) return cached.info;
  const info = getent(name);
  const entry = { info, expires: now + USER_CACHE_TTL_MS };
  users.set(name, entry);
  // Only found users are kept: a missing user (or a failed lookup) is asked again.
  info.then(
    (found) => {
      if (found === undefined && users.get(name) === entry) users.delete(name);
    },
    () => {
      if (users.get(name) === entry) users.delete(name);
    },
  );
  return info;
}

/** Like lookupUser, but a missing user is an error (stout's message). */
export async function requireUser(name: string): Promise<UserInfo> {
  const info = await lookupUser(name);
  if (info === undefined) throw new Error(`Failed to get user information for '${name}'`);
  return info;
}

/** stout's `os::chown(user, path, recursive)`. */
export async function chownToUser(user: string, path: string, recursive = true): Promise<void> {
  const info = await requireUser(user);
  await chownIds(info.uid, info.gid, path, recursive);
}

/**
 * `chown [-R] uid:gid path`: with `recursive`, every entry below `path` too, never
 * following a symbolic link (the link itself changes, as `chown -R` does).
 */
export async function chownIds(uid: number, gid: number, path: string, recursive = true): Promise<void> {
  if (!recursive) {
    try {
      await chown(path, uid, gid);
    } catch (error) {
      throw new Error(`Failed to chown '${path}' to ${uid}:${gid}: ${(error as Error).message}`);
    }
    return;
  }
  const failed: string[] = [];
  const visit = async (entry: string): Promise<void> => {
    try {
      await lchown(entry, uid, gid);
      if ((await lstat(entry)).isDirectory()) {
        const names = await readdir(entry);
        await Promise.all(names.map((name) => visit(join(entry, name))));
      }
    } catch (error) {
      failed.push((error as Error).message);
    }
  };
  await visit(path);
  if (failed.length > 0) {
    const more = failed.length > 3 ? `; and ${failed.length - 3} more` : '';
    throw new Error(`Failed to chown -R '${path}' to ${uid}:${gid}: ${failed.slice(0, 3).join('; ')}${more}`);
  }
}

/**
 * The user an executor runs as: nobody in particular (the agent's own user) when
 * `--switch_user` is false; otherwise the executor command's `user`, else the
 * framework's `user`.
 */
export function executorUser(
  frameworkInfo: mesos.FrameworkInfo.$Properties,
  executorInfo: mesos.ExecutorInfo.$Properties,
  switchUser: boolean,
): string | undefined {
  if (!switchUser) return undefined;
  const command = executorInfo.command;
  if (command && has(command, 'user')) return command.user ?? undefined;
  return frameworkInfo.user;
}

/** The effective uid of this process (0 when running as root). */
export function currentUid(): number {
  return typeof process.geteuid === 'function' ? process.geteuid() : -1;
}

let setpriv: string | null | undefined;

/** util-linux's setpriv, which can switch uid, gid and supplementary groups before exec. */
export function setprivPath(): string | undefined {
  if (setpriv === undefined) {
    setpriv = null;
    for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
      try {
        accessSync(candidate, constants.X_OK);
        setpriv = candidate;
        break;
      } catch {
        // Try the next one.
      }
    }
  }
  return setpriv ?? undefined;
}

/** For tests: pretend setpriv is at `path` (null: missing); undefined looks again. */
export function overrideSetprivPath(path: string | null | undefined): void {
  setpriv = path;
}

export interface Invocation {
  file: string;
  args: string[];
  /** For spawn's options when the switch happens at fork (no setpriv). */
  uid?: number;
  gid?: number;
}

/**
 * How to run `file args` as `user` (stout's `os::su`: gid, supplementary groups, uid):
 * through setpriv when present, else with spawn's uid/gid (no supplementary groups).
 * Nothing changes when `user` is undefined or is who we already are.
 */
export function commandAs(user: { uid: number; gid: number } | undefined, file: string, args: readonly string[]): Invocation {
  if (user === undefined || user.uid === currentUid()) return { file, args: [...args] };
  const tool = setprivPath();
  if (tool !== undefined) {
    return { file: tool, args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', file, ...args] };
  }
  return { file, args: [...args], uid: user.uid, gid: user.gid };
}
