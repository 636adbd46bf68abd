// /master/state-summary (src/master/http.cpp: Master::Http::stateSummary,
// SlaveFrameworkMapping, TaskStateSummaries): agent and framework summaries
// with per-state task counts, computed from the registered frameworks'
// tasks and completed tasks.

import { mesos } from '../../proto/index.js';
import type { JsonSink } from './sink.js';
import type { MasterView } from './view.js';
import { agentSummaryFields, frameworkSummaryFields } from './state.js';
import { str } from './writers.js';

const S = mesos.TaskState;

/** Counts in the order Mesos writes them. */
const STATES: readonly (readonly [string, number])[] = [
  ['TASK_STAGING', S.TASK_STAGING],
  ['TASK_STARTING', S.TASK_STARTING],
  ['TASK_RUNNING', S.TASK_RUNNING],
  ['TASK_KILLING', S.TASK_KILLING],
  ['TASK_FINISHED', S.TASK_FINISHED],
  ['TASK_KILLED', S.TASK_KILLED],
  ['TASK_FAILED', S.TASK_FAILED],
  ['TASK_LOST', S.TASK_LOST],
  ['TASK_ERROR', S.TASK_ERROR],
];

/** Index of each task state in STATES. */
const SLOT = new Map<number, number>(STATES.map(([, state], i) => [state, i]));

class Tally {
  readonly counts = new Array<number>(STATES.length).fill(0);
  readonly peers = new Set<string>();

  count(state: number | null | undefined, peer: string): void {
    const slot = SLOT.get(state ?? S.TASK_STAGING);
    if (slot !== undefined) this.counts[slot] = (this.counts[slot] ?? 0) + 1;
    this.peers.add(peer);
  }

  fields(peersKey: string): string {
    let out = '';
    for (let i = 0; i < STATES.length; i++) out += `,"${STATES[i]?.[0] ?? ''}":${this.counts[i] ?? 0}`;
    const peers: string[] = [];
    for (const peer of this.peers) peers.push(str(peer));
    return `${out},"${peersKey}":[${peers.join(',')}]`;
  }
}

const EMPTY = new Tally();

/** GET /master/state-summary. */
export function writeStateSummary(sink: JsonSink, view: MasterView): void {
  const byAgent = new Map<string, Tally>();
  const byFramework = new Map<string, Tally>();
  const tally = (map: Map<string, Tally>, key: string): Tally => {
    let t = map.get(key);
    if (t === undefined) map.set(key, (t = new Tally()));
    return t;
  };
  for (const [frameworkId, framework] of view.state.frameworks) {
    const mine = tally(byFramework, frameworkId);
    for (const record of framework.tasks.values()) {
      const agentId = record.task.slave_id.value;
      mine.count(record.task.state, agentId);
      tally(byAgent, agentId).count(record.task.state, frameworkId);
    }
    for (const task of framework.completedTasks) {
      mine.count(task.state, task.slave_id.value);
      tally(byAgent, task.slave_id.value).count(task.state, frameworkId);
    }
  }

  let out = `{"hostname":${str(view.hostname)}`;
  if (view.cluster !== undefined) out += `,"cluster":${str(view.cluster)}`;
  sink.add(`${out},"slaves":[`);
  let first = true;
  for (const agent of view.state.agents.values()) {
    sink.add(`${first ? '' : ','}{${agentSummaryFields(agent)}${(byAgent.get(agent.id) ?? EMPTY).fields('framework_ids')}}`);
    first = false;
  }
  sink.add('],"frameworks":[');
  first = true;
  for (const [frameworkId, framework] of view.state.frameworks) {
    sink.add(`${first ? '' : ','}{${frameworkSummaryFields(framework)}${(byFramework.get(frameworkId) ?? EMPTY).fields('slave_ids')}}`);
    first = false;
  }
  sink.add(']}');
}
