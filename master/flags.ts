// mesos-master's flags: every flag of Mesos 1.0's master (src/master/flags.cpp), the
// logging flags (src/logging/flags.cpp) and the flags main() adds (src/master/main.cpp:
// --ip, --port, --advertise_ip, --advertise_port, --zk, --ip_discovery_command).
// Names, types, defaults and deprecated aliases follow Mesos 1.0; help texts are ours.
// `--max_executors_per_agent` exists only in Mesos builds with the network isolator and
// is left out, as in a default build.
//
// Durations are milliseconds; `checkMasterFlags` holds the rules Mesos applies after
// `--help`/`--version` (main() and Master::initialize()).

import { fileURLToPath } from 'node:url';
import {
  defineFlags,
  flag,
  parseFlags,
  types,
  type Env,
  type FlagCheckFailure,
  type FlagValues,
  type ParseOptions,
  type ParseResult,
  type WithHelp,
} from '../common/flags.js';
import { checkIpDiscovery, checkLoggingLevel, checkModules, loggingFlags, moduleFlags, networkFlags } from '../common/flags-shared.js';
import { formatStoutDuration, parseDouble, parseInteger, parseStoutDuration } from '../common/flags-values.js';
import { mesos } from '../proto/index.js';

/** Where this build keeps the web UI (Mesos: PKGDATADIR "/webui"). */
export const DEFAULT_WEBUI_DIR = fileURLToPath(new URL('../webui', import.meta.url));

/** src/master/constants.hpp. */
export const MIN_AGENT_REREGISTER_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_AUTHORIZER = 'local';
export const DEFAULT_AUTHENTICATOR = 'crammd5';
export const DEFAULT_HTTP_AUTHENTICATOR = 'basic';
export const DEFAULT_ALLOCATOR = 'HierarchicalDRF';

const defs = {
  ...networkFlags('master', 5050),
  ...loggingFlags,
  ...moduleFlags,

  zk: flag(types.string, {
    help:
      'ZooKeeper URL for leader election among masters:\n' +
      '`zk://host1:port1,host2:port2,.../path` or\n' +
      '`zk://user:password@host1:port1,.../path`, or `file:///path` to a file\n' +
      'holding one. Leave unset to run a single standalone master.',
  }),
  version: flag(types.bool, { help: 'Print the version and exit.', default: 'false' }),
  hostname: flag(types.string, {
    help:
      'Hostname this master advertises (also in ZooKeeper). When unset, it is\n' +
      'resolved from the bound address, or the address itself is used\n' +
      'with `--no-hostname_lookup`.',
  }),
  hostname_lookup: flag(types.bool, {
    help: 'Look up the hostname when `--hostname` is not given; when false the\nIP address is used instead.',
    default: 'true',
  }),
  root_submissions: flag(types.bool, { help: 'Whether frameworks may run as root.', default: 'true' }),
  work_dir: flag(types.string, {
    help:
      'Directory for the replicated log that holds the registry. Use a\n' +
      'directory that survives reboots and is not cleaned (not `/tmp`),\n' +
      'e.g. `/var/lib/mesos/master`. Needed with `--registry=replicated_log`.',
  }),
  registry: flag(types.string, {
    help: 'Where the registry is persisted: `replicated_log`, or `in_memory`\n(tests only).',
    default: 'replicated_log',
  }),
  quorum: flag(types.int, {
    help:
      'Number of masters whose replicas must agree on a registry write when\n' +
      'using `replicated_log` with ZooKeeper; must exceed half the masters.\n' +
      'Not needed for a standalone master.',
  }),
  zk_session_timeout: flag(types.duration, { help: 'ZooKeeper session timeout.', default: '10secs' }),
  registry_strict: flag(types.bool, {
    help:
      'Disabled: whether the registrar would refuse agent (re-)admission and\n' +
      'removal based on the registry. Only `false` is accepted.',
    default: 'false',
    validate: (value) =>
      value
        ? "Support for '--registry_strict' has been disabled and will be removed in a future version of Mesos"
        : undefined,
  }),
  registry_fetch_timeout: flag(types.duration, {
    help: 'How long a read of the registry may take before it counts as failed.',
    default: '1mins',
  }),
  registry_store_timeout: flag(types.duration, {
    help: 'How long a write to the registry may take before it counts as failed.',
    default: '20secs',
  }),
  log_auto_initialize: flag(types.bool, {
    help:
      'Initialize the replicated log of the registry automatically on first\n' +
      'use; when false an operator must initialize it.',
    default: 'true',
  }),
  agent_reregister_timeout: flag(types.duration, {
    alias: 'slave_reregister_timeout',
    help:
      'After a master is elected, agents must re-register within this time or\n' +
      'be removed from the registry (and shut down if they come back).\n' +
      'At least 10mins.',
    default: '10mins',
  }),
  recovery_agent_removal_limit: flag(types.string, {
    alias: 'recovery_slave_removal_limit',
    help:
      'Upper bound, as a percentage `0%`..`100%`, on the agents that may be\n' +
      'removed after a failover because they did not re-register in time.\n' +
      'Above it the master fails over instead, so that a wide outage needs\n' +
      'an operator rather than emptying the cluster.',
    default: '100%',
  }),
  agent_removal_rate_limit: flag(types.string, {
    alias: 'slave_removal_rate_limit',
    help:
      'Most agents removed for failing health checks per period, written as\n' +
      '`<count>/<duration>` (e.g. `1/10mins`). Unset: no limit.',
  }),
  webui_dir: flag(types.string, { help: 'Directory holding the web UI files.', default: DEFAULT_WEBUI_DIR }),
  whitelist: flag(types.path, {
    help:
      'File listing the agents (one per line) whose resources are offered;\n' +
      'it is re-read periodically. `file:///path` or `/path`. Unset: all\n' +
      'agents are offered.',
  }),
  user_sorter: flag(types.string, {
    help: 'How resources are shared between users: `drf` (dominant resource\nfairness).',
    default: 'drf',
  }),
  framework_sorter: flag(types.string, {
    help: "How resources are shared between one user's frameworks: `drf`.",
    default: 'drf',
  }),
  allocation_interval: flag(types.duration, {
    help: 'Time between batch allocation runs (e.g. `500ms`, `1secs`).',
    default: '1secs',
  }),
  cluster: flag(types.string, { help: 'Cluster name shown in the web UI.' }),
  roles: flag(types.string, {
    help:
      'Deprecated. Comma-separated roles frameworks may use; unset allows any\n' +
      'role.',
  }),
  weights: flag(types.string, {
    help:
      'Deprecated (use the `/weights` endpoint). Comma-separated `role=weight`\n' +
      'pairs that scale how much of the cluster each role is offered.',
  }),
  authenticate_frameworks: flag(types.bool, {
    alias: 'authenticate',
    help:
      'Only let authenticated (driver-based) frameworks register. HTTP\n' +
      'frameworks are governed by `--authenticate_http_frameworks`.',
    default: 'false',
  }),
  authenticate_agents: flag(types.bool, {
    alias: 'authenticate_slaves',
    help: 'Only let authenticated agents register.',
    default: 'false',
  }),
  authenticate_http_readwrite: flag(types.bool, {
    alias: 'authenticate_http',
    help: 'Require authentication on read-write HTTP endpoints that support it.',
    default: 'false',
  }),
  authenticate_http_readonly: flag(types.bool, {
    help: 'Require authentication on read-only HTTP endpoints that support it.',
    default: 'false',
  }),
  authenticate_http_frameworks: flag(types.bool, {
    help: 'Only let authenticated HTTP frameworks subscribe.',
    default: 'false',
  }),
  credentials: flag(types.path, {
    help:
      'JSON file with the credentials frameworks, agents and HTTP clients\n' +
      'authenticate with: `{"credentials": [{"principal": "p", "secret": "s"}]}`.\n' +
      '`file:///path` or `/path`.',
  }),
  acls: flag(types.proto(mesos.ACLs, 'mesos.ACLs'), {
    help:
      'ACLs for authorization as JSON (the `ACLs` message of acls.proto), given\n' +
      'inline or as `file:///path`. Ignored when `--authorizers` names another\n' +
      'authorizer than `local`.',
  }),
  firewall_rules: flag(types.proto(mesos.internal.Firewall, 'mesos.internal.Firewall'), {
    help:
      'Endpoint firewall as JSON (the `Firewall` message of flags.proto), inline\n' +
      'or as `file:///path`, e.g.\n' +
      '`{"disabled_endpoints": {"paths": ["/files/browse"]}}`.',
  }),
  rate_limits: flag(types.proto(mesos.RateLimits, 'mesos.RateLimits'), {
    help:
      'Per-principal framework message rate limits as JSON (the `RateLimits`\n' +
      'message of mesos.proto), inline or as `file:///path`.',
  }),
  offer_timeout: flag(types.duration, {
    help: 'Rescind offers a framework has held this long. Unset: offers never\nexpire.',
  }),
  authenticators: flag(types.string, {
    help: 'Authenticator for frameworks and agents: `crammd5` or one loaded with\n`--modules`.',
    default: DEFAULT_AUTHENTICATOR,
  }),
  allocator: flag(types.string, {
    help: 'Allocator: `HierarchicalDRF` or one loaded with `--modules`.',
    default: DEFAULT_ALLOCATOR,
  }),
  fair_sharing_excluded_resource_names: flag(types.stringSet, {
    help:
      'Comma-separated resource names (e.g. `gpus`) that are left out of fair\n' +
      'sharing.',
  }),
  hooks: flag(types.string, { help: 'Comma-separated hook modules to install.' }),
  agent_ping_timeout: flag(types.duration, {
    alias: 'slave_ping_timeout',
    help:
      'How long an agent has to answer a ping. After `max_agent_ping_timeouts`\n' +
      'unanswered pings the agent is shut down. Between 1secs and 15mins; the\n' +
      'product with `max_agent_ping_timeouts` should exceed the ZooKeeper\n' +
      'session timeout.',
    default: '15secs',
    validate: (value) =>
      value < 1000 || value > 15 * 60_000
        ? 'Expected `--agent_ping_timeout` to be between 1secs and 15mins'
        : undefined,
  }),
  max_agent_ping_timeouts: flag(types.size, {
    alias: 'max_slave_ping_timeouts',
    help: 'Unanswered pings after which an agent is shut down (at least 1).',
    default: '5',
    validate: (value) => (value < 1 ? 'Expected `--max_agent_ping_timeouts` to be at least 1' : undefined),
  }),
  authorizers: flag(types.string, {
    help:
      'Authorizer: `local` or one loaded with `--modules` (only one). Any\n' +
      'other than `local` makes the master ignore `--acls`.',
    default: DEFAULT_AUTHORIZER,
  }),
  http_authenticators: flag(types.string, {
    help: 'HTTP authenticator for authenticated endpoints: `basic` or one loaded\nwith `--modules` (only one).',
    default: DEFAULT_HTTP_AUTHENTICATOR,
  }),
  http_framework_authenticators: flag(types.string, {
    help:
      'HTTP authenticator for HTTP frameworks: `basic` or one loaded with\n' +
      '`--modules` (only one). Required with `--authenticate_http_frameworks`.',
  }),
  max_completed_frameworks: flag(types.size, {
    help: 'How many completed frameworks are kept in memory.',
    default: '50',
  }),
  max_completed_tasks_per_framework: flag(types.size, {
    help: 'How many completed tasks of each framework are kept in memory.',
    default: '1000',
  }),
  master_contender: flag(types.string, {
    help:
      'Module symbol of the master contender to use. Needs\n' +
      '`--master_detector`; not allowed together with `--zk`.',
  }),
  master_detector: flag(types.string, {
    help:
      'Module symbol of the master detector to use. Needs\n' +
      '`--master_contender`; not allowed together with `--zk`.',
  }),
};

export type MasterFlagDefs = typeof defs;
export type MasterFlags = FlagValues<WithHelp<MasterFlagDefs>>;

/** Whether an optional protobuf field is set (decoded/parsed messages keep set fields as own properties). */
function has(message: object, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, field) && (message as Record<string, unknown>)[field] != null;
}

function fail(message: string, usage = false): FlagCheckFailure {
  return { message, usage };
}

/** `--agent_removal_rate_limit`: `<count>/<duration>` (src/master/main.cpp). */
export function parseAgentRemovalRateLimit(
  text: string,
): { ok: true; permits: number; durationMs: number } | { ok: false; error: string } {
  const base = `Invalid agent_removal_rate_limit: ${text}. Format is <Number of agents>/<Duration>`;
  const tokens = text.split('/').filter((t) => t !== '');
  if (tokens.length !== 2) return { ok: false, error: base };
  const permits = parseInteger(tokens[0] ?? '', -2147483648, 2147483647, 'int');
  if (!permits.ok || /^\s/.test(tokens[0] ?? '')) {
    return { ok: false, error: `${base}: Failed to convert '${tokens[0] ?? ''}' to number` };
  }
  const duration = parseStoutDuration(tokens[1] ?? '');
  if (!duration.ok) return { ok: false, error: `${base}: ${duration.error}` };
  return { ok: true, permits: permits.value, durationMs: duration.value };
}

/** `--recovery_agent_removal_limit` as a fraction in [0, 1] (Master::initialize). */
export function parseRecoveryAgentRemovalLimit(text: string): { ok: true; fraction: number } | { ok: false; error: string } {
  const prefix = `Invalid value '${text}' for --recovery_agent_removal_percent_limit: `;
  if (!text.endsWith('%')) return { ok: false, error: `${prefix}missing '%'` };
  const number = text.replace(/%$/, '');
  const parsed = parseDouble(number);
  if (!parsed.ok || /^\s/.test(number)) return { ok: false, error: `${prefix}Failed to convert '${number}' to number` };
  if (parsed.value < 0 || parsed.value > 100) return { ok: false, error: `${prefix}Must be within [0%-100%]` };
  return { ok: true, fraction: parsed.value / 100 };
}

/**
 * `--weights`: `role=weight,...` (Master::initialize). When `--roles` is set, every
 * weighted role must be one of them. Role-name validity itself is the roles module's job.
 */
export function parseWeights(
  text: string,
  roles: readonly string[] | undefined,
): { ok: true; weights: ReadonlyMap<string, number> } | { ok: false; error: string } {
  const weights = new Map<string, number>();
  for (const token of text.split(',').filter((t) => t !== '')) {
    const pair = token.split('=').filter((t) => t !== '');
    const [role, value] = pair;
    if (pair.length !== 2 || role === undefined || value === undefined) {
      return { ok: false, error: `Invalid weight: '${token}'. --weights should be of the form 'role=weight,role=weight'` };
    }
    // The default role `*` is always allowed.
    if (roles !== undefined && role !== '*' && !roles.includes(role)) {
      return { ok: false, error: `Invalid weight: '${token}'. ${role} is not a valid role` };
    }
    // atof: the longest numeric prefix, 0 when there is none.
    const weight = Number.parseFloat(value);
    if (!(weight > 0)) return { ok: false, error: `Invalid weight: '${token}'. Weights must be positive` };
    weights.set(role, weight);
  }
  return { ok: true, weights };
}

/**
 * Rules Mesos applies once flags are loaded and --help/--version are answered, in
 * Mesos's order: src/master/main.cpp, logging::initialize, then Master::initialize.
 */
export function checkMasterFlags(flags: MasterFlags): FlagCheckFailure | undefined {
  const ip = checkIpDiscovery(flags);
  if (ip) return ip;

  if (flags.zk === undefined) {
    if ((flags.master_contender === undefined) !== (flags.master_detector === undefined)) {
      return fail('Both --master_contender and --master_detector should be specified or omitted.', true);
    }
  } else if (flags.master_contender !== undefined || flags.master_detector !== undefined) {
    return fail('Only one of --zk or the --master_contender/--master_detector pair should be specified.', true);
  }

  const logging = checkLoggingLevel(flags.logging_level);
  if (logging) return logging;

  const modules = checkModules(flags);
  if (modules) return modules;

  if (flags.registry === 'replicated_log' || flags.registry === 'log_storage') {
    if (flags.work_dir === undefined) return fail('--work_dir needed for replicated log based registry');
    if (flags.zk !== undefined && flags.quorum === undefined) {
      return fail('Need to specify --quorum for replicated log based registry when using ZooKeeper');
    }
  } else if (flags.registry !== 'in_memory') {
    return fail(`'${flags.registry}' is not a supported option for registry persistence`);
  }

  if (flags.authorizers.split(',').length > 1) return fail('Multiple authorizers not supported');

  if (flags.agent_removal_rate_limit !== undefined) {
    const rate = parseAgentRemovalRateLimit(flags.agent_removal_rate_limit);
    if (!rate.ok) return fail(rate.error);
  }

  if (flags.agent_reregister_timeout < MIN_AGENT_REREGISTER_TIMEOUT_MS) {
    return fail(
      `Invalid value '${formatStoutDuration(flags.agent_reregister_timeout)}' for --agent_reregister_timeout:` +
        ` Must be at least ${formatStoutDuration(MIN_AGENT_REREGISTER_TIMEOUT_MS)}`,
    );
  }

  const limit = parseRecoveryAgentRemovalLimit(flags.recovery_agent_removal_limit);
  if (!limit.ok) return fail(limit.error);

  if (flags.authenticators.split(',').length > 1) return fail('Multiple authenticators not supported');

  if (flags.authenticate_http_frameworks && flags.http_framework_authenticators === undefined) {
    return fail(
      'Missing `--http_framework_authenticators` flag. This must be used in conjunction with' +
        ' `--authenticate_http_frameworks`',
    );
  }

  if (flags.rate_limits !== undefined) {
    const seen = new Set<string>();
    for (const limit of flags.rate_limits.limits) {
      if (seen.has(limit.principal)) return fail(`Duplicate principal ${limit.principal} found in RateLimits configuration`);
      seen.add(limit.principal);
      const qps = limit.qps;
      if (has(limit, 'qps') && qps != null && qps <= 0) return fail(`Invalid qps: ${qps}. It must be a positive number`);
    }
    const aggregate = flags.rate_limits.aggregate_default_qps;
    if (has(flags.rate_limits, 'aggregate_default_qps') && aggregate != null && aggregate <= 0) {
      return fail(`Invalid aggregate_default_qps: ${aggregate}. It must be a positive number`);
    }
  }

  if (flags.weights !== undefined) {
    const roles = flags.roles?.split(',').filter((r) => r !== '');
    const weights = parseWeights(flags.weights, roles);
    if (!weights.ok) return fail(weights.error);
  }

  if (flags.offer_timeout !== undefined && flags.offer_timeout <= 0) {
    return fail(`Invalid value '${formatStoutDuration(flags.offer_timeout)}' for --offer_timeout: Must be greater than zero`);
  }
  return undefined;
}

/** The master's flag schema (program `mesos-master`; `--version` is answered before `--help`). */
export const masterFlags = defineFlags('mesos-master', defs, {
  versionFirst: true,
  check: checkMasterFlags,
});

/** Loads the master's flags; see common/flags.ts for the rules. */
export function parseMasterFlags(
  argv: readonly string[],
  env: Env,
  options?: ParseOptions,
): ParseResult<MasterFlags> {
  return parseFlags(masterFlags, argv, env, options);
}
