// The Registrar: keeps the master's Registry (mesos.internal.Registry) in a
// State variable named "registry" and applies operations to it in batches.
//
//   const registrar = new Registrar(runtime, new State(storage), { fetchTimeoutMs, storeTimeoutMs });
//   const registry = await registrar.recover(masterInfo);     // once, before anything else
//   const admitted = await registrar.apply(new AdmitSlave(slaveInfo));
//
// Life of the process:
// - recover(info) fetches the variable (bounded by --registry_fetch_timeout),
//   then stores it once with `info` as the master (the Recover operation), and
//   only then resolves; operations applied meanwhile wait for it.
// - apply(op) queues the operation. While no store is in flight, the queue is
//   applied to a copy of the registry and the copy stored (bounded by
//   --registry_store_timeout); operations arriving during that store wait and
//   go together into the next one. Every operation of a batch settles when
//   its store does: true when permitted, false when it refused (e.g. strict
//   admission of a known agent), with no regard to whether it changed anything.
// - A failed, timed-out or conflicting store fails its batch and everything
//   queued, and every later operation: the registrar is aborted (Mesos's
//   master then exits rather than run on an unknown registry).
//
// Facts from Mesos 1.0: src/master/registrar.cpp and registrar.hpp (batching,
// abort, error texts, the Recover operation, metrics registrar/queued_operations,
// registrar/registry_size_bytes, registrar/state_fetch_ms,
// registrar/state_store_ms with a 1-day window, the /registry endpoint),
// src/master/flags.cpp (--registry_fetch_timeout 60secs, --registry_store_timeout
// 20secs, --registry_strict false).

import { formatDuration, http, Process, type Request, type Response, type Runtime, type Timer, type UPID } from '../libprocess/index.js';
import { mesos, toJSONString } from '../proto/index.js';
import {
  applyBatch,
  cloneRegistry,
  type OperationOutcome,
  RecoverMaster,
  type Registry,
  type RegistryOperation,
} from './registry-operations.js';
import { type MessageVariable, State, type Storage } from './state/index.js';
import { errorText } from '../common/errors.js';

export interface RegistrarOptions {
  /** --registry_fetch_timeout in ms (default 60000). */
  fetchTimeoutMs?: number;
  /** --registry_store_timeout in ms (default 20000). */
  storeTimeoutMs?: number;
  /** --registry_strict (default false): refuse agent operations that contradict the registry. */
  strict?: boolean;
}

export const DEFAULT_REGISTRY_FETCH_TIMEOUT_MS = 60_000;
export const DEFAULT_REGISTRY_STORE_TIMEOUT_MS = 20_000;
/** Name of the State variable holding the registry. */
export const REGISTRY_VARIABLE = 'registry';
/** Window of the registrar/state_store_ms statistics. */
const STORE_TIMER_WINDOW_MS = 86_400_000;

export class RegistrarError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistrarError';
  }
}

type Result<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface Pending {
  readonly operation: RegistryOperation;
  resolve(outcome: OperationOutcome): void;
  reject(error: Error): void;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Failures reach whoever awaits; this keeps an unobserved one from being "unhandled".
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export class RegistrarProcess extends Process {
  /** The registry as last fetched or stored. */
  private variable: MessageVariable<Registry> | undefined;
  /** Operations waiting for the next store. */
  private queued: Pending[] = [];
  /** Operations whose store is in flight. */
  private inflight: Pending[] = [];
  /** A fetch or store is in flight. */
  private updating = false;
  private recovery: Deferred<Registry> | undefined;
  /** Set once aborted; every later operation fails with it. */
  private error: string | undefined;
  private readonly timers = new Set<Timer>();
  private readonly metricNames: string[] = [];

  constructor(
    private readonly state: State,
    private readonly options: Required<RegistrarOptions>,
  ) {
    super('registrar()');
  }

  protected override initialize(): void {
    const metrics = this.runtime.metrics;
    metrics.gauge('registrar/queued_operations', () => this.queued.length);
    metrics.gauge('registrar/registry_size_bytes', () => {
      if (this.variable === undefined) throw new RegistrarError('Not recovered yet');
      return this.variable.storedSize;
    });
    metrics.timer('registrar/state_fetch');
    metrics.timer('registrar/state_store', STORE_TIMER_WINDOW_MS);
    this.metricNames.push(
      'registrar/queued_operations',
      'registrar/registry_size_bytes',
      'registrar/state_fetch_ms',
      'registrar/state_store_ms',
    );
    this.route('/registry', (request) => this.registryEndpoint(request), {
      help: 'Returns the current contents of the Registry in JSON.',
    });
  }

  protected override finalize(): void {
    for (const name of this.metricNames) this.runtime.metrics.remove(name);
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    const terminated = new RegistrarError('Registrar terminated');
    this.recovery?.reject(terminated);
    failAll(this.inflight.splice(0), terminated.message);
    failAll(this.queued.splice(0), terminated.message);
  }

  /** Fetches the registry and records `info` as its master; every call gets the first call's result. */
  recover(info: mesos.MasterInfo.$Properties): Promise<Registry> {
    if (this.recovery === undefined) {
      this.runtime.log.info('Recovering registrar');
      const recovery = deferred<Registry>();
      this.recovery = recovery;
      this.updating = true;
      const started = this.runtime.clock.now();
      const fetch = this.state.fetchMessage<Registry>(REGISTRY_VARIABLE, mesos.internal.Registry);
      this.within(fetch, this.options.fetchTimeoutMs, 'fetch', (result) => this.fetched(info, started, result));
    }
    return this.recovery.promise;
  }

  /** Queues `operation`; settles once the store that includes it does. */
  apply(operation: RegistryOperation): Promise<OperationOutcome> {
    const recovery = this.recovery;
    if (recovery === undefined) {
      return Promise.reject(new RegistrarError('Attempted to apply the operation before recovering'));
    }
    return new Promise<OperationOutcome>((resolve, reject) => {
      this.defer(recovery.promise, (recovered) => {
        if (!recovered.ok) {
          reject(asError(recovered.error));
          return;
        }
        if (this.error !== undefined) {
          reject(new RegistrarError(this.error));
          return;
        }
        this.queued.push({ operation, resolve, reject });
        if (!this.updating) this.update();
      });
    });
  }

  // ------------------------------------------------------------------ recovery

  private fetched(info: mesos.MasterInfo.$Properties, started: number, result: Result<MessageVariable<Registry>>): void {
    this.updating = false;
    const recovery = this.recovery;
    if (recovery === undefined) return;
    if (!result.ok) {
      recovery.reject(new RegistrarError(`Failed to recover registrar: ${errorText(result.error)}`, { cause: result.error }));
      return;
    }
    const elapsed = this.runtime.clock.now() - started;
    this.runtime.metrics.timer('registrar/state_fetch').record(elapsed);
    this.variable = result.value;
    this.runtime.log.info(
      { bytes: result.value.storedSize, ms: elapsed },
      `Successfully fetched the registry (${result.value.storedSize}B) in ${formatDuration(elapsed)}`,
    );
    // Recording the new MasterInfo goes through the queue like any operation;
    // nothing else is queued yet, as apply() waits for the recovery.
    this.queued.push({
      operation: new RecoverMaster(info),
      resolve: (outcome) => {
        if (!outcome.permitted || this.variable === undefined) {
          recovery.reject(
            new RegistrarError(`Failed to recover registrar: Failed to persist MasterInfo: ${outcome.error ?? 'version mismatch'}`),
          );
          return;
        }
        this.runtime.log.info('Successfully recovered registrar');
        recovery.resolve(cloneRegistry(this.variable.value));
      },
      reject: (error) =>
        recovery.reject(
          new RegistrarError(`Failed to recover registrar: Failed to persist MasterInfo: ${error.message}`, { cause: error }),
        ),
    });
    this.update();
  }

  // ------------------------------------------------------------------ batches

  private update(): void {
    const variable = this.variable;
    if (this.queued.length === 0 || variable === undefined || this.updating || this.error !== undefined) return;
    this.updating = true;
    const batch = this.queued;
    this.queued = [];
    this.inflight = batch;

    const applyStart = performance.now();
    const { registry, outcomes } = applyBatch(
      variable.value,
      batch.map((pending) => pending.operation),
      this.options.strict,
    );
    this.runtime.log.debug(
      `Applied ${batch.length} operations in ${formatDuration(performance.now() - applyStart)}; ` +
        "attempting to update the 'registry'",
    );

    const started = this.runtime.clock.now();
    const store = this.state.storeMessage(variable.mutate(registry));
    this.within(store, this.options.storeTimeoutMs, 'store', (result) => this.stored(result, batch, outcomes, started));
  }

  private stored(
    result: Result<MessageVariable<Registry> | undefined>,
    batch: Pending[],
    outcomes: readonly OperationOutcome[],
    started: number,
  ): void {
    this.updating = false;
    this.inflight = [];
    if (!result.ok || result.value === undefined) {
      const reason = result.ok ? 'version mismatch' : errorText(result.error);
      const message = `Failed to update '${REGISTRY_VARIABLE}': ${reason}`;
      failAll(batch, message);
      this.abort(message);
      return;
    }
    const elapsed = this.runtime.clock.now() - started;
    this.runtime.metrics.timer('registrar/state_store', STORE_TIMER_WINDOW_MS).record(elapsed);
    this.runtime.log.debug(`Successfully updated the '${REGISTRY_VARIABLE}' in ${formatDuration(elapsed)}`);
    this.variable = result.value;
    batch.forEach((pending, i) => pending.resolve(outcomes[i] ?? { permitted: false, mutated: false, error: 'lost' }));
    this.update();
  }

  /** Fails everything queued and every later operation. */
  private abort(message: string): void {
    this.error = message;
    this.runtime.log.error(`Registrar aborting: ${message}`);
    failAll(this.queued.splice(0), message);
  }

  // ------------------------------------------------------------------ helpers

  /** Runs `done` inside the process with the promise's result, or a timeout failure after `ms`. */
  private within<T>(promise: Promise<T>, ms: number, what: string, done: (result: Result<T>) => void): void {
    let settled = false;
    const timer = this.delay(ms, () => {
      this.timers.delete(timer);
      if (settled) return;
      settled = true;
      done({ ok: false, error: new RegistrarError(`Failed to perform ${what} within ${formatDuration(ms)}`) });
    });
    this.timers.add(timer);
    this.defer(promise, (result) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      this.timers.delete(timer);
      done(result);
    });
  }

  private registryEndpoint(request: Request): Response {
    const json = this.variable === undefined ? '{}' : toJSONString(mesos.internal.Registry, this.variable.value);
    return http.okJSON(json, request.query.get('jsonp'));
  }
}

function failAll(pending: readonly Pending[], message: string): void {
  for (const p of pending) p.reject(new RegistrarError(message));
}


function asError(error: unknown): Error {
  return error instanceof Error ? error : new RegistrarError(String(error));
}

/**
 * The registrar as callers see it: methods returning promises, the process
 * hidden behind them (Mesos's Registrar wrapper around RegistrarProcess).
 */
export class Registrar {
  readonly pid: UPID;
  private readonly process: RegistrarProcess;

  constructor(
    private readonly runtime: Runtime,
    state: State | Storage,
    options: RegistrarOptions = {},
  ) {
    this.process = new RegistrarProcess(state instanceof State ? state : new State(state), {
      fetchTimeoutMs: options.fetchTimeoutMs ?? DEFAULT_REGISTRY_FETCH_TIMEOUT_MS,
      storeTimeoutMs: options.storeTimeoutMs ?? DEFAULT_REGISTRY_STORE_TIMEOUT_MS,
      strict: options.strict ?? false,
    });
    this.pid = runtime.spawn(this.process);
  }

  /**
   * Recovers the registry and persists `info` as its master. Must come first;
   * rejects (RegistrarError) when the fetch or that store fails or times out.
   */
  recover(info: mesos.MasterInfo.$Properties): Promise<Registry> {
    return this.runtime.dispatch(this.process, (p) => p.recover(info));
  }

  /**
   * Applies an operation. Resolves true when it was permitted and persisted,
   * false when it refused; rejects when storage failed (the registrar is then
   * aborted) or recovery did.
   */
  async apply(operation: RegistryOperation): Promise<boolean> {
    return (await this.applyWithOutcome(operation)).permitted;
  }

  /** As apply, with whether the registry changed and why an operation refused. */
  applyWithOutcome(operation: RegistryOperation): Promise<OperationOutcome> {
    return this.runtime.dispatch(this.process, (p) => p.apply(operation));
  }

  /** Terminates the process; pending operations reject. */
  async stop(): Promise<void> {
    this.runtime.terminate(this.process);
    await this.runtime.wait(this.process);
  }
}
