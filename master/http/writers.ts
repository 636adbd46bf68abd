// JSON text writers for the values the classic endpoints embed: resources,
// attributes, labels, tasks, statuses, executors, offers. They produce the
// same fields in the same order as the `json(JSON::ObjectWriter*, ...)`
// overloads of Mesos 1.0 (src/common/http.cpp, src/master/http.cpp) and
// build text directly; no intermediate object graph. See docs/master-http.md.
//
// Resources are immutable, so their rendering is memoized per instance.

import { formatDouble, mesos, quoteJSONString, toJSONString } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import { RANGES, SCALAR, SET, addRanges, addSets, formatRanges, formatSet, fromMilli, type Ranges, type SetItems } from '../../common/values.js';
import { taskStateName } from '../model.js';

export const str = quoteJSONString;

/**
 * Makes V8 store `text` as one flat string. Text built by concatenation is a
 * tree of pieces; a memoized fragment that stays a tree is walked again each
 * time it is copied into a response (10x slower for /state). Converting a
 * string to a number flattens it in place.
 */
export function flat(text: string): string {
  Number(text);
  return text;
}

/**
 * A double as stout prints it (C's "%#.15g", trailing zeros trimmed, always a
 * decimal point: "2.0", "0.5"), the same text as formatDouble. Fast path: when
 * JavaScript's shortest round-trip form has at most 15 significant digits and
 * "%g" would use fixed notation (1e-4 <= |v| < 1e15), it is exactly the
 * correctly rounded 15-digit value with the zeros trimmed.
 */
export function dbl(value: number): string {
  const abs = value < 0 ? -value : value;
  if (abs >= 1e-4 && abs < 1e15) {
    const text = String(value);
    let digits = 0;
    let leading = true;
    let point = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 46) point = true;
      else if (c >= 48 && c <= 57) {
        if (c !== 48 || !leading) {
          leading = false;
          digits++;
        }
      }
    }
    if (digits <= 15) return point ? text : `${text}.0`;
  }
  return formatDouble(value);
}

/** Field presence on a protobuf object (`has_x()`): own, non-null property. */
export function has<T extends object>(message: T | null | undefined, field: keyof T & string): boolean {
  return message != null && Object.hasOwn(message, field) && message[field] != null;
}

/** A protobuf message as `JSON::Protobuf` writes it inside jsonify output (declaration order). */
export function protobufJson(type: Parameters<typeof toJSONString>[0], message: object): string {
  return toJSONString(type, message, { order: 'declaration' });
}

// ------------------------------------------------------------- resources

const resourcesCache = new WeakMap<Resources, string>();

/**
 * `json(ObjectWriter*, const Resources&)`: scalars (cpus, gpus, mem and disk
 * always, 0.0 when absent) then ranges ("[31000-32000]") then sets ("{a, b}"),
 * each summed by name across roles, revocable ones suffixed `_revocable`.
 * Mesos writes each group in hash-map order; we write cpus, gpus, mem, disk
 * first and the rest in first-seen order.
 */
export function resourcesJson(resources: Resources): string {
  let text = resourcesCache.get(resources);
  if (text === undefined) {
    text = flat(renderResources(resources));
    resourcesCache.set(resources, text);
  }
  return text;
}

/** resourcesJson without the memo, for callers that memoize the enclosing text (tasks). */
export function renderResources(resources: Resources): string {
  let cpus = 0;
  let gpus = 0;
  let mem = 0;
  let disk = 0;
  let scalars: Map<string, number> | undefined;
  let ranges: Map<string, Ranges> | undefined;
  let sets: Map<string, SetItems> | undefined;
  for (const entry of resources) {
    const kind = entry.kind;
    const name = kind.revocable ? `${kind.name}_revocable` : kind.name;
    if (kind.type === SCALAR) {
      switch (name) {
        case 'cpus':
          cpus += entry.milli;
          break;
        case 'gpus':
          gpus += entry.milli;
          break;
        case 'mem':
          mem += entry.milli;
          break;
        case 'disk':
          disk += entry.milli;
          break;
        default:
          scalars ??= new Map();
          scalars.set(name, (scalars.get(name) ?? 0) + entry.milli);
      }
    } else if (kind.type === RANGES) {
      ranges ??= new Map();
      ranges.set(name, addRanges(ranges.get(name) ?? [], entry.ranges ?? []));
    } else if (kind.type === SET) {
      sets ??= new Map();
      sets.set(name, addSets(sets.get(name) ?? [], entry.set ?? []));
    }
  }
  let out = `{"cpus":${dbl(fromMilli(cpus))},"gpus":${dbl(fromMilli(gpus))},"mem":${dbl(fromMilli(mem))},"disk":${dbl(fromMilli(disk))}`;
  if (scalars !== undefined) for (const [name, milli] of scalars) out += `,${str(name)}:${dbl(fromMilli(milli))}`;
  if (ranges !== undefined) for (const [name, value] of ranges) out += `,${str(name)}:${str(formatRanges(value))}`;
  if (sets !== undefined) for (const [name, value] of sets) out += `,${str(name)}:${str(formatSet(value))}`;
  return `${out}}`;
}

/** A role -> Resources map (`reserved_resources`). */
export function roleResourcesJson(byRole: ReadonlyMap<string, Resources>): string {
  let out = '{';
  let first = true;
  for (const [role, resources] of byRole) {
    out += `${first ? '' : ','}${str(role)}:${resourcesJson(resources)}`;
    first = false;
  }
  return `${out}}`;
}

/** Resources as an array of full `Resource` protobufs (the `*_full` fields of /slaves). */
export function resourcesFullJson(resources: Resources): string {
  let out = '[';
  let first = true;
  for (const resource of resources.toProto()) {
    out += (first ? '' : ',') + protobufJson(mesos.Resource, resource);
    first = false;
  }
  return `${out}]`;
}

// ------------------------------------------------------------- attributes, labels

/** `json(ObjectWriter*, const Attributes&)`: name -> number, ranges/set string, or text. */
export function attributesJson(attributes: readonly mesos.Attribute.$Properties[] | null | undefined): string {
  if (attributes == null || attributes.length === 0) return '{}';
  let out = '{';
  let first = true;
  for (const attribute of attributes) {
    let value: string;
    switch (attribute.type) {
      case SCALAR:
        value = dbl(attribute.scalar?.value ?? 0);
        break;
      case RANGES: {
        const pairs = attribute.ranges?.range ?? [];
        value = str(formatRanges(pairs.flatMap((r) => [Number(r.begin), Number(r.end)])));
        break;
      }
      case SET:
        value = str(formatSet(attribute.set?.item ?? []));
        break;
      default:
        value = str(attribute.text?.value ?? '');
    }
    out += `${first ? '' : ','}${str(attribute.name)}:${value}`;
    first = false;
  }
  return `${out}}`;
}

/** `json(ArrayWriter*, const Labels&)`: an array of Label protobufs. */
export function labelsJson(labels: mesos.Labels.$Properties | null | undefined): string {
  const list = labels?.labels ?? [];
  let out = '[';
  for (let i = 0; i < list.length; i++) {
    const label = list[i] as mesos.Label.$Properties;
    out += `${i === 0 ? '' : ','}{"key":${str(label.key)}${has(label, 'value') ? `,"value":${str(label.value ?? '')}` : ''}}`;
  }
  return `${out}]`;
}

function stringsJson(items: readonly string[] | null | undefined): string {
  if (items == null || items.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ',') + str(items[i] as string);
  return `${out}]`;
}

// ------------------------------------------------------------- statuses and tasks

function networkInfoJson(info: mesos.NetworkInfo.$Properties): string {
  const parts: string[] = [];
  if ((info.groups?.length ?? 0) > 0) parts.push(`"groups":${stringsJson(info.groups)}`);
  if (has(info, 'labels')) parts.push(`"labels":${labelsJson(info.labels)}`);
  const addresses = info.ip_addresses ?? [];
  if (addresses.length > 0) {
    parts.push(`"ip_addresses":[${addresses.map((a) => protobufJson(mesos.NetworkInfo.IPAddress, a)).join(',')}]`);
  }
  if (has(info, 'name')) parts.push(`"name":${str(info.name ?? '')}`);
  return `{${parts.join(',')}}`;
}

function containerStatusJson(status: mesos.ContainerStatus.$Properties): string {
  const parts: string[] = [];
  const infos = status.network_infos ?? [];
  if (infos.length > 0) parts.push(`"network_infos":[${infos.map(networkInfoJson).join(',')}]`);
  if (has(status, 'cgroup_info')) parts.push(`"cgroup_info":${protobufJson(mesos.CgroupInfo, status.cgroup_info as object)}`);
  return `{${parts.join(',')}}`;
}

/** `json(ObjectWriter*, const TaskStatus&)`. */
export function taskStatusJson(status: mesos.TaskStatus.$Properties): string {
  let out = `{"state":"${taskStateName(status.state)}","timestamp":${dbl(status.timestamp ?? 0)}`;
  if (has(status, 'labels')) out += `,"labels":${labelsJson(status.labels)}`;
  if (has(status, 'container_status')) out += `,"container_status":${containerStatusJson(status.container_status as mesos.ContainerStatus.$Properties)}`;
  if (has(status, 'healthy')) out += `,"healthy":${status.healthy === true ? 'true' : 'false'}`;
  return `${out}}`;
}

const parsedResources = new WeakMap<object, Resources>();

/** The parsed `resources` of a task or executor message, memoized per message object. */
function resourcesOf(message: { resources?: mesos.Resource.$Properties[] | null }): Resources {
  let resources = parsedResources.get(message);
  if (resources === undefined) {
    resources = Resources.fromProto(message.resources ?? []);
    parsedResources.set(message, resources);
  }
  return resources;
}

interface TaskText {
  state: number | null | undefined;
  statuses: readonly mesos.TaskStatus.$Properties[] | null | undefined;
  count: number;
  last: mesos.TaskStatus.$Properties | undefined;
  resources: Resources;
  text: string;
}
const taskTexts = new WeakMap<mesos.Task.$Properties, TaskText>();

/**
 * `json(ObjectWriter*, const Task&)`, memoized per task message. The master
 * changes a task only through its state and its statuses (appended, or the
 * last one replaced, or the array replaced), which is what the memo checks.
 */
export function taskJson(task: mesos.Task.$Properties, resources: Resources = resourcesOf(task)): string {
  const statuses = task.statuses;
  const count = statuses?.length ?? 0;
  const last = count > 0 ? statuses?.[count - 1] : undefined;
  const memo = taskTexts.get(task);
  if (
    memo !== undefined &&
    memo.state === task.state &&
    memo.statuses === statuses &&
    memo.count === count &&
    memo.last === last &&
    memo.resources === resources
  ) {
    return memo.text;
  }
  const text = flat(renderTask(task, resources));
  taskTexts.set(task, { state: task.state, statuses, count, last, resources, text });
  return text;
}

function renderTask(task: mesos.Task.$Properties, resources: Resources): string {
  let out =
    `{"id":${str(task.task_id.value)},"name":${str(task.name)},"framework_id":${str(task.framework_id.value)}` +
    `,"executor_id":${str(task.executor_id?.value ?? '')},"slave_id":${str(task.slave_id.value)}` +
    `,"state":"${taskStateName(task.state)}","resources":${renderResources(resources)},"statuses":[`;
  const statuses = task.statuses ?? [];
  for (let i = 0; i < statuses.length; i++) {
    out += (i === 0 ? '' : ',') + taskStatusJson(statuses[i] as mesos.TaskStatus.$Properties);
  }
  out += ']';
  if (has(task, 'user')) out += `,"user":${str(task.user ?? '')}`;
  if (has(task, 'labels')) out += `,"labels":${labelsJson(task.labels)}`;
  if (has(task, 'discovery')) out += `,"discovery":${protobufJson(mesos.DiscoveryInfo, task.discovery as object)}`;
  if (has(task, 'container')) out += `,"container":${protobufJson(mesos.ContainerInfo, task.container as object)}`;
  return `${out}}`;
}

// ------------------------------------------------------------- executors and offers

/** `json(ObjectWriter*, const CommandInfo&)`. */
export function commandJson(command: mesos.CommandInfo.$Properties | null | undefined): string {
  const c = command ?? {};
  let out = '{';
  if (has(c, 'shell')) out += `"shell":${c.shell === true ? 'true' : 'false'},`;
  if (has(c, 'value')) out += `"value":${str(c.value ?? '')},`;
  out += `"argv":${stringsJson(c.arguments)}`;
  if (has(c, 'environment')) out += `,"environment":${protobufJson(mesos.Environment, c.environment as object)}`;
  out += ',"uris":[';
  const uris = c.uris ?? [];
  for (let i = 0; i < uris.length; i++) {
    const uri = uris[i] as mesos.CommandInfo.URI.$Properties;
    out += `${i === 0 ? '' : ','}{"value":${str(uri.value)},"executable":${uri.executable === true ? 'true' : 'false'}}`;
  }
  return `${out}]}`;
}

/** `json(ObjectWriter*, const ExecutorInfo&)` plus the agent id the master adds. */
export function executorJson(executor: mesos.ExecutorInfo.$Properties, agentId: string): string {
  let out =
    `{"executor_id":${str(executor.executor_id.value)},"name":${str(executor.name ?? '')}` +
    `,"framework_id":${str(executor.framework_id?.value ?? '')},"command":${commandJson(executor.command)}` +
    `,"resources":${resourcesJson(resourcesOf(executor))}`;
  if (has(executor, 'labels')) out += `,"labels":${labelsJson(executor.labels)}`;
  return `${out},"slave_id":${str(agentId)}}`;
}

/** `json(ObjectWriter*, const Offer&)`. */
export function offerJson(offer: mesos.Offer.$Properties, resources: Resources): string {
  return (
    `{"id":${str(offer.id.value)},"framework_id":${str(offer.framework_id.value)}` +
    `,"slave_id":${str(offer.slave_id.value)},"resources":${resourcesJson(resources)}}`
  );
}
