// /master/state, /master/frameworks and /master/slaves as JSON text, field
// for field as Mesos 1.0 writes them (src/master/http.cpp: Master::Http::state,
// frameworks, slaves, FullFrameworkWriter, json(Summary<Slave>),
// json(Summary<Framework>)). Pure functions of a MasterView.

import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import type { Agent, Framework } from '../model.js';
import { JsonSink } from './sink.js';
import type { MasterView } from './view.js';
import {
  attributesJson,
  dbl,
  executorJson,
  labelsJson,
  offerJson,
  resourcesFullJson,
  resourcesJson,
  roleResourcesJson,
  flat,
  str,
  taskJson,
} from './writers.js';

// ------------------------------------------------------------- agents

interface TotalTexts {
  reserved: string;
  unreserved: string;
}
const totalTexts = new WeakMap<Resources, TotalTexts>();

/** reserved_resources and unreserved_resources depend only on the (immutable) total. */
function totalsOf(total: Resources): TotalTexts {
  let texts = totalTexts.get(total);
  if (texts === undefined) {
    texts = { reserved: roleResourcesJson(total.reservations()), unreserved: resourcesJson(total.unreserved()) };
    totalTexts.set(total, texts);
  }
  return texts;
}

interface SumMemo {
  parts: Resources[];
  sum: Resources;
}
const sums = new WeakMap<object, SumMemo>();

/**
 * Resources::sum of a map's values, memoized per owner while the values stay
 * the same instances (Resources are immutable; the model replaces them).
 */
function memoSum(owner: object, values: ReadonlyMap<string, Resources>): Resources {
  const memo = sums.get(owner);
  if (memo !== undefined && memo.parts.length === values.size) {
    let same = true;
    let i = 0;
    for (const part of values.values()) {
      if (memo.parts[i++] !== part) {
        same = false;
        break;
      }
    }
    if (same) return memo.sum;
  }
  const parts = [...values.values()];
  const sum = Resources.sum(parts);
  sums.set(owner, { parts, sum });
  return sum;
}

/** Resources::sum(slave->usedResources). */
export function agentUsed(agent: Agent): Resources {
  return memoSum(agent, agent.usedResources);
}

/** framework->totalUsedResources. */
export function frameworkUsed(framework: Framework): Resources {
  return memoSum(framework, framework.usedResources);
}

interface AgentText {
  info: Agent['info'];
  pid: Agent['pid'];
  version: string;
  registeredTime: number;
  reregisteredTime: number | undefined;
  total: Resources;
  used: Resources;
  offered: Resources;
  active: boolean;
  text: string;
}
const agentTexts = new WeakMap<Agent, AgentText>();

/** The fields of `json(Summary<Slave>)`, without the braces; memoized until one of them changes. */
export function agentSummaryFields(agent: Agent): string {
  const used = agentUsed(agent);
  const memo = agentTexts.get(agent);
  if (
    memo !== undefined &&
    memo.info === agent.info &&
    memo.pid === agent.pid &&
    memo.version === agent.version &&
    memo.registeredTime === agent.registeredTime &&
    memo.reregisteredTime === agent.reregisteredTime &&
    memo.total === agent.totalResources &&
    memo.used === used &&
    memo.offered === agent.offeredResources &&
    memo.active === agent.active
  ) {
    return memo.text;
  }
  const text = flat(renderAgentSummary(agent, used));
  agentTexts.set(agent, {
    info: agent.info,
    pid: agent.pid,
    version: agent.version,
    registeredTime: agent.registeredTime,
    reregisteredTime: agent.reregisteredTime,
    total: agent.totalResources,
    used,
    offered: agent.offeredResources,
    active: agent.active,
    text,
  });
  return text;
}

function renderAgentSummary(agent: Agent, used: Resources): string {
  const totals = totalsOf(agent.totalResources);
  let out =
    `"id":${str(agent.id)},"pid":${str(agent.pid.toString())},"hostname":${str(agent.info.hostname)}` +
    `,"registered_time":${dbl(agent.registeredTime)}`;
  if (agent.reregisteredTime !== undefined) out += `,"reregistered_time":${dbl(agent.reregisteredTime)}`;
  return (
    `${out},"resources":${resourcesJson(agent.totalResources)},"used_resources":${resourcesJson(used)}` +
    `,"offered_resources":${resourcesJson(agent.offeredResources)},"reserved_resources":${totals.reserved}` +
    `,"unreserved_resources":${totals.unreserved},"attributes":${attributesJson(agent.info.attributes)}` +
    `,"active":${agent.active ? 'true' : 'false'},"version":${str(agent.version)}`
  );
}

/** An agent in /state (`Full<Slave>`, which is the summary). */
export function agentJson(agent: Agent): string {
  return `{${agentSummaryFields(agent)}}`;
}

/** An agent in /slaves: the summary plus the full Resource protobufs. */
export function agentWithFullResourcesJson(agent: Agent): string {
  let reserved = '{';
  let first = true;
  for (const [role, resources] of agent.totalResources.reservations()) {
    reserved += `${first ? '' : ','}${str(role)}:${resourcesFullJson(resources)}`;
    first = false;
  }
  return (
    `{${agentSummaryFields(agent)},"reserved_resources_full":${reserved}}` +
    `,"used_resources_full":${resourcesFullJson(agentUsed(agent))}` +
    `,"offered_resources_full":${resourcesFullJson(agent.offeredResources)}}`
  );
}

// ------------------------------------------------------------- frameworks

const totals = new WeakMap<Resources, { offered: Resources; total: Resources }>();

/** used + offered, memoized on the pair so the rendered text is reused too. */
function totalOf(used: Resources, offered: Resources): Resources {
  const memo = totals.get(used);
  if (memo !== undefined && memo.offered === offered) return memo.total;
  const total = used.plus(offered);
  totals.set(used, { offered, total });
  return total;
}

const CAPABILITY = mesos.FrameworkInfo.Capability.Type as unknown as Record<number, string | undefined>;

function capabilitiesJson(capabilities: readonly mesos.FrameworkInfo.Capability.$Properties[] | null | undefined): string {
  if (capabilities == null || capabilities.length === 0) return '[]';
  const names: string[] = [];
  for (const capability of capabilities) names.push(str(CAPABILITY[capability.type ?? 0] ?? ''));
  return `[${names.join(',')}]`;
}

/** The fields of `json(Summary<Framework>)`, without the braces. */
export function frameworkSummaryFields(framework: Framework): string {
  const info = framework.info;
  const pid = framework.pid;
  return (
    `"id":${str(framework.id)},"name":${str(info.name)}${pid === undefined ? '' : `,"pid":${str(pid.toString())}`}` +
    `,"used_resources":${resourcesJson(frameworkUsed(framework))},"offered_resources":${resourcesJson(framework.offeredResources)}` +
    `,"capabilities":${capabilitiesJson(info.capabilities)},"hostname":${str(info.hostname ?? '')}` +
    `,"webui_url":${str(info.webui_url ?? '')},"active":${framework.active ? 'true' : 'false'}`
  );
}

/** A framework in /state and /frameworks (FullFrameworkWriter). */
export function writeFramework(sink: JsonSink, view: MasterView, framework: Framework): void {
  const info = framework.info;
  const used = frameworkUsed(framework);
  let out =
    `{${frameworkSummaryFields(framework)},"user":${str(info.user)},"failover_timeout":${dbl(info.failover_timeout ?? 0)}` +
    `,"checkpoint":${info.checkpoint === true ? 'true' : 'false'},"role":${str(info.role ?? '*')}` +
    `,"registered_time":${dbl(framework.registeredTime)},"unregistered_time":${dbl(framework.unregisteredTime ?? 0)}`;
  if (Object.hasOwn(info, 'principal') && info.principal != null) out += `,"principal":${str(info.principal)}`;
  out += `,"resources":${resourcesJson(totalOf(used, framework.offeredResources))}`;
  if (framework.reregisteredTime !== undefined && framework.reregisteredTime !== framework.registeredTime) {
    out += `,"reregistered_time":${dbl(framework.reregisteredTime)}`;
  }
  sink.add(`${out},"tasks":[`);
  let first = true;
  for (const record of framework.tasks.values()) {
    sink.add(first ? taskJson(record.task, record.resources) : `,${taskJson(record.task, record.resources)}`);
    first = false;
  }
  sink.add('],"completed_tasks":[');
  first = true;
  for (const task of framework.completedTasks) {
    sink.add(first ? taskJson(task) : `,${taskJson(task)}`);
    first = false;
  }
  sink.add('],"offers":[');
  first = true;
  for (const offerId of framework.offers) {
    const record = view.state.offers.get(offerId);
    if (record === undefined) continue;
    sink.add((first ? '' : ',') + offerJson(record.offer, record.resources));
    first = false;
  }
  sink.add('],"executors":[');
  first = true;
  for (const [agentId, executors] of framework.executors) {
    for (const executor of executors.values()) {
      sink.add((first ? '' : ',') + executorJson(executor, agentId));
      first = false;
    }
  }
  sink.add(']');
  if (Object.hasOwn(info, 'labels') && info.labels != null) sink.add(`,"labels":${labelsJson(info.labels)}`);
  sink.add('}');
}

function writeFrameworks(sink: JsonSink, view: MasterView, frameworks: Iterable<Framework>): void {
  sink.add('[');
  let first = true;
  for (const framework of frameworks) {
    if (!first) sink.add(',');
    writeFramework(sink, view, framework);
    first = false;
  }
  sink.add(']');
}

/** Ids of frameworks with tasks on registered agents that are not registered (one per agent, as Mesos lists them). */
function unregisteredFrameworksJson(view: MasterView): string {
  const ids: string[] = [];
  for (const agent of view.state.agents.values()) {
    for (const frameworkId of agent.tasks.keys()) {
      if (!view.state.frameworks.has(frameworkId)) ids.push(str(frameworkId));
    }
  }
  return `[${ids.join(',')}]`;
}

function writeOrphanTasks(sink: JsonSink, view: MasterView): void {
  sink.add('[');
  let first = true;
  for (const agent of view.state.agents.values()) {
    for (const [frameworkId, tasks] of agent.tasks) {
      if (view.state.frameworks.has(frameworkId)) continue;
      for (const record of tasks.values()) {
        sink.add((first ? '' : ',') + taskJson(record.task, record.resources));
        first = false;
      }
    }
  }
  sink.add(']');
}

// ------------------------------------------------------------- endpoints

/** Flag name -> value, sorted by name (stout keeps flags in a std::map). */
export function flagsObjectJson(flags: Readonly<Record<string, string>>): string {
  const names = Object.keys(flags).sort();
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    out += `${i === 0 ? '' : ','}${str(name)}:${str(flags[name] ?? '')}`;
  }
  return `${out}}`;
}

/** GET /master/state (and /master/state.json). */
export function writeState(sink: JsonSink, view: MasterView): void {
  const build = view.build;
  let out = `{"version":${str(view.version)}`;
  if (build.gitSha !== undefined) out += `,"git_sha":${str(build.gitSha)}`;
  if (build.gitBranch !== undefined) out += `,"git_branch":${str(build.gitBranch)}`;
  if (build.gitTag !== undefined) out += `,"git_tag":${str(build.gitTag)}`;
  out +=
    `,"build_date":${str(build.date)},"build_time":${dbl(build.time)},"build_user":${str(build.user)}` +
    `,"start_time":${dbl(view.startTime)}`;
  if (view.electedTime !== undefined) out += `,"elected_time":${dbl(view.electedTime)}`;
  let active = 0;
  for (const agent of view.state.agents.values()) if (agent.active) active++;
  out +=
    `,"id":${str(view.id)},"pid":${str(view.pid)},"hostname":${str(view.hostname)}` +
    `,"activated_slaves":${dbl(active)},"deactivated_slaves":${dbl(view.state.agents.size - active)}`;
  if (view.leader !== undefined) out += `,"leader":${str(view.leader.pid ?? '')}`;
  if (view.cluster !== undefined) out += `,"cluster":${str(view.cluster)}`;
  const logDir = view.flags['log_dir'];
  if (logDir !== undefined) out += `,"log_dir":${str(logDir)}`;
  const externalLogFile = view.flags['external_log_file'];
  if (externalLogFile !== undefined) out += `,"external_log_file":${str(externalLogFile)}`;
  sink.add(`${out},"flags":${flagsObjectJson(view.flags)},"slaves":[`);
  let first = true;
  for (const agent of view.state.agents.values()) {
    sink.add(first ? agentJson(agent) : `,${agentJson(agent)}`);
    first = false;
  }
  sink.add('],"frameworks":');
  writeFrameworks(sink, view, view.state.frameworks.values());
  sink.add(',"completed_frameworks":');
  writeFrameworks(sink, view, view.state.completedFrameworks);
  sink.add(',"orphan_tasks":');
  writeOrphanTasks(sink, view);
  sink.add(`,"unregistered_frameworks":${unregisteredFrameworksJson(view)}}`);
}

/** GET /master/frameworks. */
export function writeFrameworksEndpoint(sink: JsonSink, view: MasterView): void {
  sink.add('{"frameworks":');
  writeFrameworks(sink, view, view.state.frameworks.values());
  sink.add(',"completed_frameworks":');
  writeFrameworks(sink, view, view.state.completedFrameworks);
  sink.add(`,"unregistered_frameworks":${unregisteredFrameworksJson(view)}}`);
}

/** GET /master/slaves. */
export function writeSlaves(sink: JsonSink, view: MasterView): void {
  sink.add('{"slaves":[');
  let first = true;
  for (const agent of view.state.agents.values()) {
    sink.add((first ? '' : ',') + agentWithFullResourcesJson(agent));
    first = false;
  }
  sink.add(']}');
}

/** Renders with a fresh sink (tests, small outputs). */
export function render(write: (sink: JsonSink, view: MasterView) => void, view: MasterView): string {
  const sink = new JsonSink();
  write(sink, view);
  return sink.toString();
}
