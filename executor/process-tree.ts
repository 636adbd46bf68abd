// Signalling a task's whole process tree, as stout's os::killtree(pid, signal,
// groups = true, sessions = true) does for the command executor: the root, its
// descendants, and every process sharing a process group or session with any of
// them. The selection is a pure function over a process table; on Linux the
// table comes from /proc. Without /proc we fall back to the root's process group.

import fs from 'node:fs';

export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
}

/** Parses the fields we need from the text of /proc/<pid>/stat. */
export function parseProcStat(text: string): ProcessEntry | undefined {
  // "pid (comm) state ppid pgrp session ..."; comm may hold spaces and parentheses.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const ppid = Number(rest[1]);
  const pgid = Number(rest[2]);
  const sid = Number(rest[3]);
  if (![pid, ppid, pgid, sid].every(Number.isInteger)) return undefined;
  return { pid, ppid, pgid, sid };
}

/** The current process table from /proc, or undefined where there is no /proc. */
export function readProcessTable(): ProcessEntry[] | undefined {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return undefined;
  }
  const table: ProcessEntry[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const entry = parseProcStat(fs.readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (entry !== undefined) table.push(entry);
    } catch {
      // The process went away while we looked.
    }
  }
  return table;
}

/**
 * Pids to signal for the tree rooted at `root`: descendants, then everything in
 * the same process groups and sessions, repeated until nothing new joins.
 * Never includes `self` or anything in its process group or session.
 */
export function treeMembers(table: readonly ProcessEntry[], root: number, self: ProcessEntry): number[] {
  const byPid = new Map(table.map((e) => [e.pid, e]));
  const protectedEntry = (e: ProcessEntry): boolean =>
    e.pid === self.pid || e.pgid === self.pgid || e.sid === self.sid;
  const members = new Set<number>();
  const groups = new Set<number>();
  const sessions = new Set<number>();
  const rootEntry = byPid.get(root);
  if (rootEntry === undefined) {
    // The root is gone (reaped): its group and session ids are its pid (setsid).
    groups.add(root);
    sessions.add(root);
  } else if (!protectedEntry(rootEntry)) {
    members.add(root);
    groups.add(rootEntry.pgid);
    sessions.add(rootEntry.sid);
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (const entry of table) {
      if (members.has(entry.pid) || protectedEntry(entry)) continue;
      if (members.has(entry.ppid) || groups.has(entry.pgid) || sessions.has(entry.sid)) {
        members.add(entry.pid);
        groups.add(entry.pgid);
        sessions.add(entry.sid);
        changed = true;
      }
    }
  }
  return [...members];
}

function selfEntry(table: readonly ProcessEntry[]): ProcessEntry {
  return table.find((e) => e.pid === process.pid) ?? { pid: process.pid, ppid: process.ppid, pgid: -1, sid: -1 };
}

function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `sig` to the process tree of `root` (a session leader started by us).
 * Stops the members first so that none can fork past the signal, as killtree
 * does, then signals and continues them. Returns the pids signalled.
 */
export function signalTree(root: number, sig: NodeJS.Signals): number[] {
  const table = readProcessTable();
  if (table === undefined) {
    signal(-root, sig);
    return [root];
  }
  const members = treeMembers(table, root, selfEntry(table));
  if (sig !== 'SIGKILL') for (const pid of members) signal(pid, 'SIGSTOP');
  for (const pid of members) signal(pid, sig);
  signal(-root, sig);
  if (sig !== 'SIGKILL') for (const pid of members) signal(pid, 'SIGCONT');
  return members;
}

/** Pids still alive in the tree of `root` (for leftovers after it exits). */
export function treeAlive(root: number): number[] {
  const table = readProcessTable();
  if (table === undefined) return signal(-root, 0) ? [root] : [];
  return treeMembers(table, root, selfEntry(table));
}
