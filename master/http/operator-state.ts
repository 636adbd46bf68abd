// The master's state as the v1 operator API returns it: GET_STATE and its
// parts GET_AGENTS, GET_FRAMEWORKS, GET_EXECUTORS and GET_TASKS, and the
// SUBSCRIBED event that carries the same state (src/master/http.cpp:
// _getState, _getAgents, _getFrameworks, model(Framework), _getExecutors,
// _getTasks).
//
// The state of 10,000 agents running 100,000 tasks is 38 MB of protobuf and
// 90 MB of JSON, so it is not built as one message object and encoded. Each
// task, agent and executor is encoded once into its own bytes (its JSON once,
// on first use) and kept until it changes; a small tree of fields (Tree)
// refers to those leaves, and is written out in field-number order for
// protobuf or key order for JSON, in 64 KB chunks (ChunkWriter) that a large
// response streams. The bytes are exactly what encoding the whole message
// would give (tests/http-api/operator-state.test.ts compares the two).

import { Resources } from '../../common/resources.js';
import { mesos, toJSONString, type MessageCodec } from '../../proto/index.js';
import type { MasterState } from '../indexes.js';
import type { Agent, Framework } from '../model.js';
import { agentUsed, frameworkUsed } from './state.js';
import { str } from './writers.js';

// ------------------------------------------------------------- the tree

/** An encoded message: its protobuf bytes, and its v1 JSON (UTF-8) on demand. */
export interface Leaf {
  readonly bytes: Uint8Array;
  json(): Uint8Array;
}

type Value = Leaf | Tree;

interface Field {
  readonly no: number;
  readonly key: string;
  readonly repeated: boolean;
  readonly values: readonly Value[];
}

/** A message assembled from leaves; `type` is the enum field 1 most API messages carry. */
export class Tree {
  readonly fields: Field[] = [];
  private size = -1;

  constructor(readonly type?: { readonly value: number; readonly name: string }) {}

  /** A singular message field. */
  set(no: number, key: string, value: Value): this {
    this.fields.push({ no, key, repeated: false, values: [value] });
    return this;
  }

  /** A repeated message field (left out when empty, as protobuf and Mesos's JSON do). */
  list(no: number, key: string, values: readonly Value[]): this {
    this.fields.push({ no, key, repeated: true, values });
    return this;
  }

  /** The encoded length of this message's body. */
  byteLength(): number {
    if (this.size >= 0) return this.size;
    let size = this.type === undefined ? 0 : 1 + varintLength(this.type.value);
    for (const field of this.fields) {
      for (const value of field.values) {
        const length = value instanceof Tree ? value.byteLength() : value.bytes.length;
        size += varintLength(field.no << 3) + varintLength(length) + length;
      }
    }
    this.size = size;
    return size;
  }
}

function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/**
 * Full-size batches come back here once a response has been sent
 * (releaseChunks) and are reused by the next render: a 90 MB GET_STATE
 * then allocates nothing new, which halves to thirds its time (the cost was
 * allocating and collecting ~1,400 fresh 64 KB buffers per request). The
 * pool keeps at most POOL_MAX batches and empties itself after POOL_IDLE_MS
 * without use, so a master does not hold the memory of one big response.
 */
const POOL_MAX = 2_048;
const POOL_IDLE_MS = 30_000;
const pool: Buffer[] = [];
const pooled = new WeakSet<ArrayBufferLike>();
let poolTimer: NodeJS.Timeout | undefined;

let batchesAllocated = 0;

function takeBatch(): Buffer {
  const reused = pool.pop();
  if (reused !== undefined) return reused;
  batchesAllocated++;
  const batch = Buffer.allocUnsafeSlow(ChunkWriter.CHUNK);
  pooled.add(batch.buffer);
  return batch;
}

/**
 * Gives the batches of a rendered response back for reuse. Call only once
 * nothing refers to them any more (Response.onSent, or after copying them);
 * other buffers in the list (cached leaves, small batches) are ignored.
 */
export function releaseChunks(chunks: readonly Buffer[]): void {
  // A batch may appear as several pieces (cut around large leaves written in place): give it back once.
  const seen = new Set<ArrayBufferLike>();
  for (const chunk of chunks) {
    if (pool.length >= POOL_MAX) break;
    const batch = chunk.buffer;
    if (!pooled.has(batch) || seen.has(batch)) continue;
    seen.add(batch);
    pool.push(Buffer.from(batch, 0, ChunkWriter.CHUNK));
  }
  if (poolTimer === undefined && pool.length > 0) {
    poolTimer = setTimeout(() => {
      poolTimer = undefined;
      pool.length = 0;
    }, POOL_IDLE_MS);
    poolTimer.unref();
  } else {
    poolTimer?.refresh();
  }
}

/** How many batches wait for reuse (tests). */
export function pooledChunkCount(): number {
  return pool.length;
}

/** How many batches were ever allocated (tests). */
export function allocatedChunkCount(): number {
  return batchesAllocated;
}

/**
 * Collects output in batches of about CHUNK bytes: small pieces are copied
 * into the current batch, large ones are taken as they are (cached leaves
 * are immutable). Nothing is ever one contiguous 100 MB allocation, and a
 * small message (an event) takes one buffer of about its own size.
 */
class ChunkWriter {
  static readonly CHUNK = 64 * 1024;
  readonly chunks: Buffer[] = [];
  private current: Buffer | undefined;
  /** Where the current batch's piece not yet in `chunks` starts, and where writing goes on. */
  private start = 0;
  private at = 0;
  total = 0;

  /** `expected`: about how many bytes will be written (sizes the first batch); `pooled`: full batches come from the pool. */
  constructor(
    private readonly expected: number,
    private readonly pooled = false,
  ) {}

  byte(value: number): void {
    const current = this.current !== undefined && this.at < this.current.length ? this.current : this.next(1);
    current[this.at++] = value;
    this.total++;
  }

  varint(value: number): void {
    while (value >= 0x80) {
      this.byte((value & 0x7f) | 0x80);
      value = Math.floor(value / 128);
    }
    this.byte(value);
  }

  bytes(data: Uint8Array): void {
    this.total += data.length;
    if (data.length > ChunkWriter.CHUNK / 4) {
      // Taken as it is; the current batch goes on filling after it.
      this.cut();
      this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    const current =
      this.current !== undefined && this.at + data.length <= this.current.length ? this.current : this.next(data.length);
    current.set(data, this.at);
    this.at += data.length;
  }

  /** The output as chunks (the writer is spent). */
  finish(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  /** A fresh batch with room for at least `need` bytes. */
  private next(need: number): Buffer {
    this.flush();
    // The first batch is sized by the estimate (an event takes one small buffer), the rest are full size.
    const size = Math.max(need, this.chunks.length === 0 ? Math.min(ChunkWriter.CHUNK, this.expected) : ChunkWriter.CHUNK);
    this.current = this.pooled && size === ChunkWriter.CHUNK ? takeBatch() : Buffer.allocUnsafe(size);
    return this.current;
  }

  /** Ends the current piece; the batch's free rest stays in use. */
  private cut(): void {
    if (this.current === undefined || this.at === this.start) return;
    this.chunks.push(this.current.subarray(this.start, this.at));
    this.start = this.at;
  }

  private flush(): void {
    this.cut();
    this.current = undefined;
    this.start = 0;
    this.at = 0;
  }
}

function writeTree(out: ChunkWriter, tree: Tree): void {
  if (tree.type !== undefined) {
    out.byte(0x08);
    out.varint(tree.type.value);
  }
  const fields = [...tree.fields].sort((a, b) => a.no - b.no);
  for (const field of fields) {
    for (const value of field.values) {
      out.varint((field.no << 3) | 2);
      if (value instanceof Tree) {
        out.varint(value.byteLength());
        writeTree(out, value);
      } else {
        out.varint(value.bytes.length);
        out.bytes(value.bytes);
      }
    }
  }
}

const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const quotedTexts = new Map<string, Buffer>();

/** `"text"` (and `"text":` for keys) as bytes, made once per text. */
function quoted(text: string, key = false): Buffer {
  const cacheKey = key ? `${text}:` : text;
  let bytes = quotedTexts.get(cacheKey);
  if (bytes === undefined) {
    bytes = Buffer.from(key ? `${str(text)}:` : str(text), 'utf8');
    quotedTexts.set(cacheKey, bytes);
  }
  return bytes;
}

function writeTreeJson(out: ChunkWriter, tree: Tree): void {
  const entries: Array<{ key: string; write: () => void }> = [];
  const type = tree.type;
  if (type !== undefined) entries.push({ key: 'type', write: () => out.bytes(quoted(type.name)) });
  for (const field of tree.fields) {
    if (field.repeated && field.values.length === 0) continue;
    entries.push({
      key: field.key,
      write: () => {
        if (field.repeated) out.byte(OPEN_BRACKET);
        let first = true;
        for (const value of field.values) {
          if (!first) out.byte(COMMA);
          first = false;
          if (value instanceof Tree) writeTreeJson(out, value);
          else out.bytes(value.json());
        }
        if (field.repeated) out.byte(CLOSE_BRACKET);
      },
    });
  }
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  out.byte(OPEN_BRACE);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as (typeof entries)[number];
    if (i > 0) out.byte(COMMA);
    out.bytes(quoted(entry.key, true));
    entry.write();
  }
  out.byte(CLOSE_BRACE);
}

/**
 * The protobuf encoding of a tree, in chunks of up to 64 KB. `pooled`: the
 * batches come from the pool, and the caller gives them back with
 * releaseChunks once nothing refers to them (a response once sent); without
 * it (events shared by many subscribers) they are fresh and left to the GC.
 */
export function treeBytesChunks(tree: Tree, pooled = false): Buffer[] {
  const out = new ChunkWriter(tree.byteLength(), pooled);
  writeTree(out, tree);
  if (out.total !== tree.byteLength()) throw new Error(`operator-state: wrote ${out.total} bytes of ${tree.byteLength()}`);
  return out.finish();
}

/** The v1 JSON of a tree (keys sorted, UTF-8), in chunks of up to 64 KB; `pooled` as for treeBytesChunks. */
export function treeJsonChunks(tree: Tree, pooled = false): Buffer[] {
  // Mesos's JSON runs about 2.4 times the protobuf size.
  const out = new ChunkWriter(Math.ceil(tree.byteLength() * 2.5), pooled);
  writeTreeJson(out, tree);
  return out.finish();
}

/** The protobuf encoding of a tree as one buffer. */
export function treeBytes(tree: Tree): Buffer {
  return join(treeBytesChunks(tree));
}

/** The v1 JSON of a tree as one buffer. */
export function treeJson(tree: Tree): Buffer {
  return join(treeJsonChunks(tree));
}

function join(chunks: Buffer[]): Buffer {
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

// ------------------------------------------------------------- leaves

/** A leaf encoded now, its JSON rendered on first use. */
export function leafOf<P extends object>(v0: MessageCodec<P>, v1: MessageCodec, message: P): Leaf {
  const bytes = v0.encode(message).finish();
  let json: Buffer | undefined;
  return {
    bytes,
    json: () => (json ??= Buffer.from(toJSONString(v1, v1.decode(bytes)), 'utf8')),
  };
}

const resourceProtos = new WeakMap<Resources, mesos.Resource[]>();

/** Resources as a Resource list, once per (immutable) Resources instance. */
export function resourceList(resources: Resources): mesos.Resource[] {
  let list = resourceProtos.get(resources);
  if (list === undefined) {
    list = resources.toProto();
    resourceProtos.set(resources, list);
  }
  return list;
}

/** Seconds since the epoch as a TimeInfo. */
export function timeInfo(seconds: number): mesos.TimeInfo.$Properties {
  return { nanoseconds: Math.round(seconds * 1e9) };
}

interface TaskMemo {
  state: mesos.TaskState | null | undefined;
  statuses: readonly mesos.TaskStatus.$Properties[] | null | undefined;
  count: number;
  last: mesos.TaskStatus.$Properties | undefined;
  leaf: Leaf;
}
const taskMemos = new WeakMap<mesos.Task.$Properties, TaskMemo>();

/**
 * A task as a leaf, kept until the task changes. The master changes a task
 * only through status updates (state, status_update_*, a status appended or
 * the last one replaced), which is what the memo checks.
 */
export function taskLeaf(task: mesos.Task.$Properties): Leaf {
  const statuses = task.statuses;
  const count = statuses?.length ?? 0;
  const last = count > 0 ? statuses?.[count - 1] : undefined;
  const memo = taskMemos.get(task);
  if (memo !== undefined && memo.state === task.state && memo.statuses === statuses && memo.count === count && memo.last === last) {
    return memo.leaf;
  }
  const leaf = leafOf(mesos.Task, mesos.v1.Task, task);
  taskMemos.set(task, { state: task.state, statuses, count, last, leaf });
  return leaf;
}

interface AgentMemo {
  info: Agent['info'];
  pid: Agent['pid'];
  version: string;
  registeredTime: number;
  reregisteredTime: number | undefined;
  total: Resources;
  used: Resources;
  offered: Resources;
  active: boolean;
  leaf: Leaf;
}
const agentMemos = new WeakMap<Agent, AgentMemo>();

const AgentEntry = mesos.master.Response.GetAgents.Agent;

/** Response.GetAgents.Agent of an agent, kept until one of its fields changes. */
export function agentLeaf(agent: Agent): Leaf {
  const used = agentUsed(agent);
  const memo = agentMemos.get(agent);
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
    return memo.leaf;
  }
  const leaf = leafOf(AgentEntry, mesos.v1.master.Response.GetAgents.Agent, agentMessage(agent, used));
  agentMemos.set(agent, {
    info: agent.info,
    pid: agent.pid,
    version: agent.version,
    registeredTime: agent.registeredTime,
    reregisteredTime: agent.reregisteredTime,
    total: agent.totalResources,
    used,
    offered: agent.offeredResources,
    active: agent.active,
    leaf,
  });
  return leaf;
}

/** _getAgents, for one agent. */
export function agentMessage(agent: Agent, used: Resources = agentUsed(agent)): mesos.master.Response.GetAgents.Agent.$Properties {
  const message: mesos.master.Response.GetAgents.Agent.$Properties = {
    agent_info: agent.info,
    active: agent.active,
    version: agent.version,
    pid: agent.pid.toString(),
    registered_time: timeInfo(agent.registeredTime),
    total_resources: resourceList(agent.totalResources),
    allocated_resources: resourceList(used),
    offered_resources: resourceList(agent.offeredResources),
  };
  if (agent.reregisteredTime !== undefined) message.reregistered_time = timeInfo(agent.reregisteredTime);
  return message;
}

const executorMemos = new WeakMap<mesos.ExecutorInfo.$Properties, { agentId: string; leaf: Leaf }>();
const ExecutorEntry = mesos.master.Response.GetExecutors.Executor;

/** Response.GetExecutors.Executor, kept per (immutable) ExecutorInfo. */
export function executorLeaf(agentId: string, info: mesos.ExecutorInfo.$Properties): Leaf {
  const memo = executorMemos.get(info);
  if (memo !== undefined && memo.agentId === agentId) return memo.leaf;
  const leaf = leafOf(ExecutorEntry, mesos.v1.master.Response.GetExecutors.Executor, {
    executor_info: info,
    slave_id: { value: agentId },
  });
  executorMemos.set(info, { agentId, leaf });
  return leaf;
}

/** model(Framework): Response.GetFrameworks.Framework. */
export function frameworkMessage(state: MasterState, framework: Framework): mesos.master.Response.GetFrameworks.Framework.$Properties {
  const message: mesos.master.Response.GetFrameworks.Framework.$Properties = {
    framework_info: framework.info,
    active: framework.active,
    connected: framework.connected,
  };
  if (framework.registeredTime !== 0) message.registered_time = timeInfo(framework.registeredTime);
  if (framework.unregisteredTime !== undefined && framework.unregisteredTime !== 0) {
    message.unregistered_time = timeInfo(framework.unregisteredTime);
  }
  if (framework.reregisteredTime !== undefined && framework.reregisteredTime !== 0) {
    message.reregistered_time = timeInfo(framework.reregisteredTime);
  }
  const offers: mesos.Offer.$Properties[] = [];
  for (const offerId of framework.offers) {
    const record = state.offers.get(offerId);
    if (record !== undefined) offers.push(record.offer);
  }
  if (offers.length > 0) message.offers = offers;
  message.allocated_resources = resourceList(frameworkUsed(framework));
  message.offered_resources = resourceList(framework.offeredResources);
  return message;
}

const FrameworkEntry = mesos.master.Response.GetFrameworks.Framework;

function frameworkLeaf(state: MasterState, framework: Framework): Leaf {
  return leafOf(FrameworkEntry, mesos.v1.master.Response.GetFrameworks.Framework, frameworkMessage(state, framework));
}

// ------------------------------------------------------------- the parts

/** Registered frameworks, then completed ones (the order Mesos lists them in). */
function allFrameworks(state: MasterState): Framework[] {
  return [...state.frameworks.values(), ...state.completedFrameworks];
}

/**
 * _getTasks. The master holds no pending tasks (it authorizes nothing, so a
 * task is added the moment it is accepted). Orphan tasks (of frameworks not
 * registered) are listed once each; Mesos 1.0 repeats them once per
 * registered framework, a bug its later versions fixed.
 */
export function getTasksTree(state: MasterState): Tree {
  const tasks: Leaf[] = [];
  const completed: Leaf[] = [];
  for (const framework of allFrameworks(state)) {
    for (const record of framework.tasks.values()) tasks.push(taskLeaf(record.task));
    for (const task of framework.completedTasks) completed.push(taskLeaf(task));
  }
  const orphans: Leaf[] = [];
  for (const agent of state.agents.values()) {
    for (const [frameworkId, agentTasks] of agent.tasks) {
      if (state.frameworks.has(frameworkId)) continue;
      for (const record of agentTasks.values()) orphans.push(taskLeaf(record.task));
    }
  }
  return new Tree().list(2, 'tasks', tasks).list(3, 'completed_tasks', completed).list(4, 'orphan_tasks', orphans);
}

/** _getExecutors: executors of registered and completed frameworks, then those of unknown frameworks. */
export function getExecutorsTree(state: MasterState): Tree {
  const executors: Leaf[] = [];
  for (const framework of allFrameworks(state)) {
    for (const [agentId, byId] of framework.executors) {
      for (const info of byId.values()) executors.push(executorLeaf(agentId, info));
    }
  }
  const orphans: Leaf[] = [];
  for (const agent of state.agents.values()) {
    for (const [frameworkId, byId] of agent.executors) {
      if (state.frameworks.has(frameworkId)) continue;
      for (const info of byId.values()) orphans.push(executorLeaf(agent.id, info));
    }
  }
  return new Tree().list(1, 'executors', executors).list(2, 'orphan_executors', orphans);
}

/**
 * _getFrameworks. `recovered_frameworks` (FrameworkInfos agents reported for
 * frameworks that have not re-registered) stays empty: this master does not
 * keep those FrameworkInfos.
 */
export function getFrameworksTree(state: MasterState): Tree {
  const registered = [...state.frameworks.values()].map((f) => frameworkLeaf(state, f));
  const completed = state.completedFrameworks.map((f) => frameworkLeaf(state, f));
  return new Tree().list(1, 'frameworks', registered).list(2, 'completed_frameworks', completed);
}

export function getAgentsTree(state: MasterState): Tree {
  const agents: Leaf[] = [];
  for (const agent of state.agents.values()) agents.push(agentLeaf(agent));
  return new Tree().list(1, 'agents', agents);
}

/** _getState: tasks, executors, frameworks and agents. */
export function getStateTree(state: MasterState): Tree {
  return new Tree()
    .set(1, 'get_tasks', getTasksTree(state))
    .set(2, 'get_executors', getExecutorsTree(state))
    .set(3, 'get_frameworks', getFrameworksTree(state))
    .set(4, 'get_agents', getAgentsTree(state));
}

const ResponseType = mesos.master.Response.Type;

/** A Response of `type` whose one field (`no`, `key`) holds `body`. */
export function responseTree(type: keyof typeof ResponseType, no: number, key: string, body: Tree): Tree {
  return new Tree({ value: ResponseType[type], name: type }).set(no, key, body);
}

/** The SUBSCRIBED event: the full state, as GET_STATE has it. */
export function subscribedTree(state: MasterState): Tree {
  const Type = mesos.master.Event.Type;
  return new Tree({ value: Type.SUBSCRIBED, name: 'SUBSCRIBED' }).set(2, 'subscribed', new Tree().set(1, 'get_state', getStateTree(state)));
}
