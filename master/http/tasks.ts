// /master/tasks (src/master/http.cpp: Master::Http::tasks, TaskComparator):
// the tasks and completed tasks of registered then completed frameworks,
// sorted by the timestamp of each task's first status, then paged.

import type { mesos } from '../../proto/index.js';
import type { Resources } from '../../common/resources.js';
import type { JsonSink } from './sink.js';
import type { MasterView } from './view.js';
import { taskJson } from './writers.js';

/** TASK_LIMIT (src/master/constants.hpp). */
export const TASK_LIMIT = 100;

export interface TaskQuery {
  limit: number;
  offset: number;
  order: 'asc' | 'des';
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/**
 * stout's `numify<int>`: boost::lexical_cast<int> (optional sign, decimal
 * digits, nothing else), or a `0x`/`0X` hexadecimal; undefined when neither
 * parses or the value does not fit an int.
 */
export function numifyInt(text: string): number | undefined {
  let value: number | undefined;
  if (/^[+-]?\d+$/.test(text)) value = Number(text);
  else if (/^0[xX][0-9a-fA-F]+$/.test(text)) value = Number.parseInt(text.slice(2), 16);
  if (value === undefined || value < INT_MIN || value > INT_MAX) return undefined;
  return value;
}

/** The query parameters as Mesos reads them: bad numbers fall back to the defaults. */
export function parseTaskQuery(query: URLSearchParams): TaskQuery {
  const limitText = query.get('limit');
  const offsetText = query.get('offset');
  const limit = limitText === null ? undefined : numifyInt(limitText);
  const offset = offsetText === null ? undefined : numifyInt(offsetText);
  return {
    limit: limit ?? TASK_LIMIT,
    offset: offset ?? 0,
    order: query.get('order') === 'asc' ? 'asc' : 'des',
  };
}

/**
 * The index range [begin, end) Mesos walks: limit and offset are ints stored
 * in size_t, so negative values wrap around 2^64 (limit=-1 means "all",
 * a negative offset gives nothing).
 */
export function pageRange(count: number, limit: number, offset: number): [number, number] {
  const off = BigInt.asUintN(64, BigInt(offset));
  const lim = BigInt.asUintN(64, BigInt(limit));
  const sum = BigInt.asUintN(64, off + lim);
  const n = BigInt(count);
  const end = sum < n ? sum : n;
  if (off >= end) return [0, 0];
  return [Number(off), Number(end)];
}

interface Entry {
  task: mesos.Task.$Properties;
  resources: Resources | undefined;
  /** Timestamp of the first status, or undefined when there is none. */
  first: number | undefined;
}

function entry(task: mesos.Task.$Properties, resources: Resources | undefined): Entry {
  const status = task.statuses?.[0];
  return { task, resources, first: status === undefined ? undefined : (status.timestamp ?? 0) };
}

/** TaskComparator::ascending: tasks without statuses first. */
function ascending(a: Entry, b: Entry): number {
  if (a.first === undefined) return b.first === undefined ? 0 : -1;
  if (b.first === undefined) return 1;
  return a.first - b.first;
}

/** TaskComparator::descending: tasks without statuses last. */
function descending(a: Entry, b: Entry): number {
  if (a.first === undefined) return b.first === undefined ? 0 : 1;
  if (b.first === undefined) return -1;
  return b.first - a.first;
}

/** GET /master/tasks. */
export function writeTasks(sink: JsonSink, view: MasterView, query: TaskQuery): void {
  const entries: Entry[] = [];
  const frameworks = [...view.state.frameworks.values(), ...view.state.completedFrameworks];
  for (const framework of frameworks) {
    for (const record of framework.tasks.values()) entries.push(entry(record.task, record.resources));
    for (const task of framework.completedTasks) entries.push(entry(task, undefined));
  }
  entries.sort(query.order === 'asc' ? ascending : descending);
  const [begin, end] = pageRange(entries.length, query.limit, query.offset);
  sink.add('{"tasks":[');
  for (let i = begin; i < end; i++) {
    const e = entries[i] as Entry;
    const text = e.resources === undefined ? taskJson(e.task) : taskJson(e.task, e.resources);
    sink.add(i === begin ? text : `,${text}`);
  }
  sink.add(']}');
}
