// /slave(1)/state (and state.json) and /slave(1)/flags as JSON text, field for
// field as Mesos 1.0 writes them (src/slave/http.cpp: Slave::Http::state,
// FrameworkWriter, ExecutorWriter, json(TaskInfo), Slave::Http::_flags). Pure
// functions of an AgentView plus a few facts about the agent; the shapes the
// master shares (resources, attributes, labels, tasks, commands) come from
// master/http/writers.ts.

import { Resources } from '../../common/resources.js';
import { mesos } from '../../proto/index.js';
import { JsonSink } from '../../master/http/sink.js';
import { flagsObjectJson } from '../../master/http/state.js';
import type { BuildInfo } from '../../master/http/version.js';
import { attributesJson, commandJson, dbl, has, labelsJson, protobufJson, resourcesJson, str, taskJson } from '../../master/http/writers.js';
import type { AgentView, Executor, Framework } from '../model.js';

/** What /state shows beside the view. */
export interface AgentFacts {
  readonly version: string;
  readonly build: BuildInfo;
  /** The agent's pid, `slave(1)@ip:port`. */
  readonly pid: string;
  /** The master's hostname (reverse lookup of its IP), when known. */
  readonly masterHostname: string | undefined;
}

const totals = new WeakMap<object, { list: readonly mesos.Resource.$Properties[]; resources: Resources }>();

/** Resources of a SlaveInfo, parsed once per resource list. */
function infoResources(info: mesos.SlaveInfo.$Properties): Resources {
  const list = info.resources ?? [];
  const memo = totals.get(info);
  if (memo !== undefined && memo.list === list) return memo.resources;
  const resources = Resources.fromProto(list);
  totals.set(info, { list, resources });
  return resources;
}

const queuedResources = new WeakMap<object, Resources>();

/** `json(ObjectWriter*, const TaskInfo&)`: a task queued until its executor registers. */
export function taskInfoJson(task: mesos.TaskInfo.$Properties): string {
  let resources = queuedResources.get(task);
  if (resources === undefined) {
    resources = Resources.fromProto(task.resources ?? []);
    queuedResources.set(task, resources);
  }
  let out =
    `{"id":${str(task.task_id.value)},"name":${str(task.name)},"slave_id":${str(task.slave_id.value)}` +
    `,"resources":${resourcesJson(resources)}`;
  if (has(task, 'command')) out += `,"command":${commandJson(task.command)}`;
  if (has(task, 'executor')) out += `,"executor_id":${str(task.executor?.executor_id.value ?? '')}`;
  if (has(task, 'discovery')) out += `,"discovery":${protobufJson(mesos.DiscoveryInfo, task.discovery as object)}`;
  return `${out}}`;
}

/** ExecutorWriter: an executor with its tasks (terminated ones listed with the completed ones). */
export function writeExecutor(sink: JsonSink, executor: Executor): void {
  const info = executor.info;
  let out =
    `{"id":${str(executor.id)},"name":${str(info.name ?? '')},"source":${str(info.source ?? '')}` +
    `,"container":${str(executor.containerId)},"directory":${str(executor.directory)}` +
    `,"resources":${resourcesJson(executor.resources)}`;
  if (has(info, 'labels')) out += `,"labels":${labelsJson(info.labels)}`;
  sink.add(`${out},"tasks":[`);
  let first = true;
  for (const task of executor.launchedTasks.values()) {
    sink.add(first ? taskJson(task) : `,${taskJson(task)}`);
    first = false;
  }
  sink.add('],"queued_tasks":[');
  first = true;
  for (const task of executor.queuedTasks.values()) {
    sink.add(first ? taskInfoJson(task) : `,${taskInfoJson(task)}`);
    first = false;
  }
  sink.add('],"completed_tasks":[');
  first = true;
  for (const task of executor.completedTasks.items) {
    sink.add(first ? taskJson(task) : `,${taskJson(task)}`);
    first = false;
  }
  for (const task of executor.terminatedTasks.values()) {
    sink.add(first ? taskJson(task) : `,${taskJson(task)}`);
    first = false;
  }
  sink.add(']}');
}

/** FrameworkWriter. */
export function writeFramework(sink: JsonSink, framework: Framework): void {
  const info = framework.info;
  sink.add(
    `{"id":${str(framework.id)},"name":${str(info.name)},"user":${str(info.user)}` +
      `,"failover_timeout":${dbl(info.failover_timeout ?? 0)},"checkpoint":${info.checkpoint === true ? 'true' : 'false'}` +
      `,"role":${str(info.role ?? '*')},"hostname":${str(info.hostname ?? '')},"executors":[`,
  );
  let first = true;
  for (const executor of framework.executors.values()) {
    if (!first) sink.add(',');
    writeExecutor(sink, executor);
    first = false;
  }
  sink.add('],"completed_executors":[');
  first = true;
  for (const executor of framework.completedExecutors.items) {
    if (!first) sink.add(',');
    writeExecutor(sink, executor);
    first = false;
  }
  sink.add(']}');
}

function writeFrameworks(sink: JsonSink, frameworks: Iterable<Framework>): void {
  sink.add('[');
  let first = true;
  for (const framework of frameworks) {
    if (!first) sink.add(',');
    writeFramework(sink, framework);
    first = false;
  }
  sink.add(']');
}

/** GET /slave(1)/state. */
export function writeAgentState(sink: JsonSink, view: AgentView, facts: AgentFacts): void {
  const build = facts.build;
  const flags = view.flags();
  let out = `{"version":${str(facts.version)}`;
  if (build.gitSha !== undefined) out += `,"git_sha":${str(build.gitSha)}`;
  if (build.gitBranch !== undefined) out += `,"git_branch":${str(build.gitBranch)}`;
  if (build.gitTag !== undefined) out += `,"git_tag":${str(build.gitTag)}`;
  out +=
    `,"build_date":${str(build.date)},"build_time":${dbl(build.time)},"build_user":${str(build.user)}` +
    `,"start_time":${dbl(view.startTime)},"id":${str(view.info.id?.value ?? '')},"pid":${str(facts.pid)}` +
    `,"hostname":${str(view.info.hostname)},"resources":${resourcesJson(infoResources(view.info))}` +
    `,"attributes":${attributesJson(view.info.attributes)}`;
  if (view.masterPid !== undefined && facts.masterHostname !== undefined) out += `,"master_hostname":${str(facts.masterHostname)}`;
  const logDir = flags['log_dir'];
  if (logDir !== undefined) out += `,"log_dir":${str(logDir)}`;
  const externalLogFile = flags['external_log_file'];
  if (externalLogFile !== undefined) out += `,"external_log_file":${str(externalLogFile)}`;
  sink.add(`${out},"flags":${flagsObjectJson(flags)},"frameworks":`);
  writeFrameworks(sink, view.frameworks.values());
  sink.add(',"completed_frameworks":');
  writeFrameworks(sink, view.completedFrameworks);
  sink.add('}');
}

/** GET /slave(1)/flags: `{"flags": {name: value}}`, names sorted. */
export function flagsJson(flags: Readonly<Record<string, string>>): string {
  return `{"flags":${flagsObjectJson(flags)}}`;
}

/** Renders with a fresh sink (tests, small outputs). */
export function renderAgentState(view: AgentView, facts: AgentFacts): string {
  const sink = new JsonSink();
  writeAgentState(sink, view, facts);
  return sink.toString();
}
