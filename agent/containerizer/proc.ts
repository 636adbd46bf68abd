// The process table from Linux's /proc: stout's `os::processes`, `os::pstree` and
// `os::killtree` (3rdparty/stout/include/stout/os/*), and Mesos's `usage()`
// (src/usage/usage.cpp), which sums CPU times and RSS over a process tree.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

export interface ProcessEntry {
  readonly pid: number;
  readonly parent: number;
  readonly group: number;
  readonly session: number;
  /** One-letter state from /proc/<pid>/stat; `Z` is a zombie (exited, not yet reaped). */
  readonly state: string;
  readonly command: string;
  /** Seconds of CPU time in user and kernel mode. */
  readonly utime: number;
  readonly stime: number;
  /** Resident set size in bytes. */
  readonly rss: number;
}

export interface ProcessTree {
  readonly process: ProcessEntry;
  readonly children: ProcessTree[];
}

let sysconf: { ticks: number; pageSize: number } | undefined;

function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

function system(): { ticks: number; pageSize: number } {
  sysconf ??= { ticks: getconf('CLK_TCK', 100), pageSize: getconf('PAGESIZE', 4096) };
  return sysconf;
}

/** Parses the text of /proc/<pid>/stat (see proc(5)); undefined when malformed. */
export function parseStat(text: string): ProcessEntry | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const command = text.slice(open + 1, close);
  // Fields after the command, numbered from 3 (state) as in proc(5).
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): number => Number(rest[n - 3]);
  const state = rest[0] ?? '';
  if (!Number.isInteger(pid) || state === '') return undefined;
  const { ticks, pageSize } = system();
  return {
    pid,
    command,
    state,
    parent: field(4),
    group: field(5),
    session: field(6),
    utime: field(14) / ticks,
    stime: field(15) / ticks,
    rss: field(24) * pageSize,
  };
}

function pidNames(names: readonly string[]): number[] {
  const pids: number[] = [];
  for (const name of names) {
    if (/^\d+$/.test(name)) pids.push(Number(name));
  }
  return pids;
}

/** One process, or undefined when it does not exist (any more). */
export function processSync(pid: number): ProcessEntry | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process in this PID namespace. */
export function processesSync(): ProcessEntry[] {
  const result: ProcessEntry[] = [];
  for (const pid of pidNames(readdirSync('/proc'))) {
    const entry = processSync(pid);
    if (entry) result.push(entry);
  }
  return result;
}

export async function processes(): Promise<ProcessEntry[]> {
  const pids = pidNames(await readdir('/proc'));
  const entries = await Promise.all(
    pids.map(async (pid) => {
      try {
        return parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return undefined;
      }
    }),
  );
  return entries.filter((e): e is ProcessEntry => e !== undefined);
}

/** Whether `pid` is a live process (zombies count as gone). */
export function isAlive(pid: number): boolean {
  const entry = processSync(pid);
  return entry !== undefined && entry.state !== 'Z' && entry.state !== 'X';
}

/** The tree of `pid` and its descendants in `table`, or undefined when `pid` is not there. */
export function pstree(pid: number, table: readonly ProcessEntry[]): ProcessTree | undefined {
  const children = new Map<number, ProcessEntry[]>();
  let root: ProcessEntry | undefined;
  for (const entry of table) {
    if (entry.pid === pid) root = entry;
    const list = children.get(entry.parent);
    if (list) list.push(entry);
    else children.set(entry.parent, [entry]);
  }
  if (!root) return undefined;
  const build = (entry: ProcessEntry, seen: Set<number>): ProcessTree => {
    seen.add(entry.pid);
    const kids = (children.get(entry.pid) ?? []).filter((c) => !seen.has(c.pid));
    return { process: entry, children: kids.map((c) => build(c, seen)) };
  };
  return build(root, new Set());
}

/** All pids of a tree, root first. */
export function treePids(tree: ProcessTree): number[] {
  const out: number[] = [];
  const queue: ProcessTree[] = [tree];
  for (let t = queue.shift(); t; t = queue.shift()) {
    out.push(t.process.pid);
    queue.push(...t.children);
  }
  return out;
}

export interface UsageOptions {
  mem: boolean;
  cpus: boolean;
}

/** Usage statistics of the fields Mesos's `usage()` fills (no timestamp). */
export interface TreeUsage {
  mem_rss_bytes?: number;
  cpus_user_time_secs?: number;
  cpus_system_time_secs?: number;
}

/** Mesos's `usage(pid, mem, cpus)`: RSS and CPU times summed over the tree rooted at pid. */
export async function treeUsage(pid: number, options: UsageOptions): Promise<TreeUsage> {
  const tree = pstree(pid, await processes());
  if (!tree) throw new Error(`Failed to get usage: No process found at ${pid}`);
  const usage: TreeUsage = {};
  const queue: ProcessTree[] = [tree];
  for (let t = queue.shift(); t; t = queue.shift()) {
    const p = t.process;
    if (options.mem && Number.isFinite(p.rss)) usage.mem_rss_bytes = (usage.mem_rss_bytes ?? 0) + p.rss;
    if (options.cpus && Number.isFinite(p.utime) && Number.isFinite(p.stime)) {
      usage.cpus_user_time_secs = (usage.cpus_user_time_secs ?? 0) + p.utime;
      usage.cpus_system_time_secs = (usage.cpus_system_time_secs ?? 0) + p.stime;
    }
    queue.push(...t.children);
  }
  return usage;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already, or not ours to signal: nothing to do.
  }
}

export interface KillTreeOptions {
  /** Also signal every process group met on the way. */
  groups?: boolean;
  /** Also signal every session met on the way. */
  sessions?: boolean;
}

/**
 * stout's `os::killtree`: stops every process of the tree rooted at `pid` (and, if asked,
 * of every group and session met, but never the parent's) so none can fork away, then
 * sends `sig` to all of them and continues them. When `pid` is gone, starts from the
 * processes of the group/session it led. Returns the pids signalled.
 */
export function killtree(pid: number, sig: NodeJS.Signals, options: KillTreeOptions = {}): number[] {
  const groups = options.groups ?? false;
  const sessions = options.sessions ?? false;
  let table = processesSync();
  const root = table.find((p) => p.pid === pid);
  const queue: number[] = [];
  if (!root) {
    for (const p of table) {
      if ((groups && p.group === pid) || (sessions && p.session === pid)) queue.push(p.pid);
    }
    if (queue.length === 0) return [];
  } else {
    queue.push(pid);
  }

  const visited = { pids: new Set<number>(), groups: new Set<number>(), sessions: new Set<number>() };
  if (root && (groups || sessions)) {
    const parent = table.find((p) => p.pid === root.parent);
    if (parent) {
      if (groups) visited.groups.add(parent.group);
      if (sessions) visited.sessions.add(parent.session);
    }
  }
  // Never stop ourselves, nor our own group or session (a container has its own session).
  const self = processSync(process.pid);
  if (self) {
    if (groups) visited.groups.add(self.group);
    if (sessions) visited.sessions.add(self.session);
  }

  const signalled: number[] = [];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (visited.pids.has(next) || next === process.pid) continue;
    const current = processSync(next);
    if (!current) continue;
    // Stop it so it cannot fork children that init would adopt out of our sight.
    signal(next, 'SIGSTOP');
    visited.pids.add(next);
    signalled.push(next);
    table = processesSync();
    for (const p of table) if (p.parent === next) queue.push(p.pid);
    if (groups && !visited.groups.has(current.group)) {
      for (const p of table) if (p.group === current.group) queue.push(p.pid);
      visited.groups.add(current.group);
    }
    if (sessions && !visited.sessions.has(current.session)) {
      for (const p of table) if (p.session === current.session) queue.push(p.pid);
      visited.sessions.add(current.session);
    }
  }
  for (const p of signalled) signal(p, sig);
  for (const p of signalled) signal(p, 'SIGCONT');
  return signalled;
}
