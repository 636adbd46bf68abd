// mesos-agent's flags: every flag of Mesos 1.0's agent as built on Linux
// (src/slave/flags.cpp, including its `__linux__` flags), the logging flags
// (src/logging/flags.cpp) and the flags main() adds (src/slave/main.cpp: --ip, --port,
// --advertise_ip, --advertise_port, --master, --ip_discovery_command). Names, types,
// defaults and deprecated aliases follow Mesos 1.0; help texts are ours. Flags that exist
// only in builds with the network isolator (`--ephemeral_ports_per_container`,
// `--eth0_name`, `--egress_*`, `--network_enable_*`, ...) or the XFS isolator
// (`--xfs_project_range`) are left out, as in a default build.
//
// Durations are milliseconds, byte sizes are bytes. `checkAgentFlags` holds the rules Mesos
// applies after `--help`/`--version` (main() and Slave::initialize()).

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
import { formatDouble, formatStoutDuration } from '../common/flags-values.js';
import { mesos } from '../proto/index.js';

/** Where this build keeps its helper programs (Mesos: PKGLIBEXECDIR). */
export const DEFAULT_LAUNCHER_DIR = fileURLToPath(new URL('../bin', import.meta.url));

/** src/slave/constants.hpp. */
export const REGISTER_RETRY_INTERVAL_MAX_MS = 60_000;
export const AUTHENTICATION_RETRY_INTERVAL_MAX_MS = 60_000;
export const DEFAULT_AUTHENTICATEE = 'crammd5';
export const DEFAULT_AUTHORIZER = 'local';
export const DEFAULT_HTTP_AUTHENTICATOR = 'basic';

const defs = {
  ...networkFlags('agent', 5051),
  ...loggingFlags,
  ...moduleFlags,

  master: flag(types.string, {
    help:
      'How to find the master: `host:port`,\n' +
      '`zk://host1:port1,host2:port2,.../path`,\n' +
      '`zk://user:password@host1:port1,.../path`, or `file:///path` to a file\n' +
      'holding one of these. Required unless `--master_detector` is given.',
  }),
  hostname: flag(types.string, {
    help:
      'Hostname this agent reports. When unset, it is resolved from the bound\n' +
      'address, or the address itself is used with `--no-hostname_lookup`.',
  }),
  hostname_lookup: flag(types.bool, {
    help: 'Look up the hostname when `--hostname` is not given; when false the\nIP address is used instead.',
    default: 'true',
  }),
  version: flag(types.bool, { help: 'Print the version and exit.', default: 'false' }),
  resources: flag(types.string, {
    help:
      "The agent's total resources, either as `name(role):value;name:value...`\n" +
      'or as a JSON array of `Resource` messages (inline, or `file:///path`),\n' +
      'e.g. `cpus:4;mem:8192;ports(web):[80-80]`. Unlisted standard resources\n' +
      'are detected.',
  }),
  isolation: flag(types.string, {
    help:
      'Comma-separated isolators for the Mesos containerizer, e.g.\n' +
      '`posix/cpu,posix/mem`, `cgroups/cpu,cgroups/mem`, `gpu/nvidia`, or ones\n' +
      'loaded with `--modules`.',
    default: 'posix/cpu,posix/mem',
  }),
  launcher: flag(types.string, {
    help:
      'Launcher of the Mesos containerizer: `linux` or `posix`. cgroups and\n' +
      'namespace isolators need `linux`. Unset: `linux` when running as root\n' +
      'on Linux, else `posix`.',
  }),
  image_providers: flag(types.string, { help: 'Comma-separated container image providers, e.g. `APPC,DOCKER`.' }),
  image_provisioner_backend: flag(types.string, {
    help: 'How container root filesystems are built from images: `aufs`, `bind`,\n`copy` or `overlay`.',
    default: 'copy',
  }),
  appc_simple_discovery_uri_prefix: flag(types.string, {
    help: 'URI prefix for appc simple discovery, e.g. `http://`, `https://`,\n`hdfs://host:9000/path`.',
    default: 'http://',
  }),
  appc_store_dir: flag(types.string, { help: 'Where appc images are stored.', default: '/tmp/mesos/store/appc' }),
  docker_registry: flag(types.string, {
    help:
      'Default place to pull Docker images from: a registry URL, or a local\n' +
      'directory of `docker save` archives.',
    default: 'https://registry-1.docker.io',
  }),
  docker_store_dir: flag(types.string, {
    help: 'Where Docker images are stored by the Docker provisioner.',
    default: '/tmp/mesos/store/docker',
  }),
  docker_volume_checkpoint_dir: flag(types.string, {
    help: 'Where the Docker volumes used by each container are checkpointed.',
    default: '/var/run/mesos/isolators/docker/volume',
  }),
  default_role: flag(types.string, {
    help: 'Role given to resources of `--resources` that name none, and to\ndetected resources.',
    default: '*',
  }),
  attributes: flag(types.string, { help: 'Attributes of this agent, e.g. `rack:2;zone:us-east`.' }),
  fetcher_cache_size: flag(types.bytes, { help: 'Size of the fetcher cache.', default: '2GB' }),
  fetcher_cache_dir: flag(types.string, {
    help: 'Parent directory of the fetcher cache (one subdirectory per agent).',
    default: '/tmp/mesos/fetch',
  }),
  work_dir: flag(types.string, {
    required: true,
    help:
      'Directory for sandboxes and checkpointed agent state. Use a directory\n' +
      'that survives reboots and is not cleaned (not `/tmp`), e.g.\n' +
      '`/var/lib/mesos/agent`.',
  }),
  launcher_dir: flag(types.string, {
    help: 'Directory holding the helper programs (executors, fetcher, health\nchecker, containerizer helpers).',
    default: DEFAULT_LAUNCHER_DIR,
  }),
  hadoop_home: flag(types.string, {
    help: 'Hadoop installation used to fetch from HDFS. Empty: use `HADOOP_HOME`\nor `hadoop` on `PATH`.',
    default: '',
  }),
  switch_user: flag(types.bool, {
    help:
      "Run tasks as the framework's `user` (needs setuid rights and the user\n" +
      'must exist here; otherwise the task fails). When false, tasks run as\n' +
      "the agent's own user.",
    default: 'true',
  }),
  frameworks_home: flag(types.string, { help: 'Prefix for relative executor URIs.', default: '' }),
  registration_backoff_factor: flag(types.duration, {
    help:
      'The first (re-)registration with a new master waits a random time in\n' +
      '[0, b]; each retry doubles b, up to 1mins.',
    default: '1secs',
  }),
  authentication_backoff_factor: flag(types.duration, {
    help:
      'After a failed authentication, wait a random time in [0, b] before\n' +
      'trying again; each retry doubles b, up to 1mins.',
    default: '1secs',
  }),
  executor_environment_variables: flag(types.stringMap, {
    help:
      'Environment given to executors (and so to tasks), as a JSON object of\n' +
      'strings, e.g. `{"PATH": "/bin:/usr/bin"}`. Unset: executors get no\n' +
      'environment from the agent beyond what Mesos sets.',
  }),
  executor_registration_timeout: flag(types.duration, {
    help: 'How long an executor has to register before it is considered hung\nand shut down.',
    default: '1mins',
  }),
  executor_shutdown_grace_period: flag(types.duration, {
    help:
      "Default time an executor gets to shut down (an ExecutorInfo's\n" +
      '`shutdown_grace_period` overrides it); it may get less.',
    default: '5secs',
  }),
  shared_command_executor: flag(types.bool, {
    help:
      'Extension (not in Mesos): run the command executors of command tasks\n' +
      'inside one long-lived executor host process started by the agent,\n' +
      'instead of one `mesos-executor` process per task. Tasks still run in\n' +
      'their own sandboxes, sessions and users, isolated before they start.',
    default: 'false',
  }),
  gc_delay: flag(types.duration, {
    help: 'Longest time before executor sandboxes are removed; less when the\ndisk fills up.',
    default: '1weeks',
  }),
  gc_disk_headroom: flag(types.double, {
    help:
      'Disk headroom in [0.0, 1.0] for sandbox removal: the age limit is\n' +
      '`gc_delay * max(0.0, 1.0 - gc_disk_headroom - disk usage)`.',
    default: '0.1',
  }),
  disk_watch_interval: flag(types.duration, {
    help: 'How often disk usage is checked to drive sandbox removal.',
    default: '1mins',
  }),
  container_logger: flag(types.string, {
    help:
      'Container logger module for executor and task stdout/stderr. Unset:\n' +
      '`stdout` and `stderr` files in the sandbox.',
  }),
  recover: flag(types.string, {
    help:
      'Recovery on restart: `reconnect` to reconnect to live executors and\n' +
      'status updates, or `cleanup` to kill them and exit (for incompatible\n' +
      'upgrades).',
    default: 'reconnect',
  }),
  recovery_timeout: flag(types.duration, {
    help: 'How long recovery may take; executors still waiting to reconnect\nafter that exit.',
    default: '15mins',
  }),
  strict: flag(types.bool, {
    help:
      'Treat every recovery error as fatal. When false, expected errors are\n' +
      'skipped and as much state as possible is recovered.',
    default: 'true',
  }),
  cgroups_hierarchy: flag(types.string, { help: 'Root of the cgroups hierarchies.', default: '/sys/fs/cgroup' }),
  cgroups_root: flag(types.string, { help: 'Name of the root cgroup.', default: 'mesos' }),
  cgroups_enable_cfs: flag(types.bool, {
    help: 'Enforce hard CPU limits with CFS bandwidth control.',
    default: 'false',
  }),
  cgroups_limit_swap: flag(types.bool, { help: 'Limit memory plus swap, not just memory.', default: 'false' }),
  cgroups_cpu_enable_pids_and_tids_count: flag(types.bool, {
    help: 'Count the processes and threads in each container.',
    default: 'false',
  }),
  cgroups_net_cls_primary_handle: flag(types.string, {
    help: 'Non-zero 16-bit primary handle `0xAAAA` for the net_cls cgroup.',
  }),
  cgroups_net_cls_secondary_handles: flag(types.string, {
    help:
      'Range `0xAAAA,0xBBBB` of secondary net_cls handles used with\n' +
      '`--cgroups_net_cls_primary_handle`.',
  }),
  agent_subsystems: flag(types.string, {
    alias: 'slave_subsystems',
    help:
      'Comma-separated cgroup subsystems to put the agent itself in, e.g.\n' +
      '`memory,cpuacct`, for monitoring only (no limits are set).',
  }),
  nvidia_gpu_devices: flag(types.uintList, {
    help:
      'Comma-separated NVML indices of the Nvidia GPUs offered when `gpus`\n' +
      'appears in `--resources`; isolated with `--isolation=gpu/nvidia`.',
  }),
  perf_events: flag(types.string, {
    help: 'Comma-separated perf events sampled per container by the perf_event\nisolator (see `perf list`).',
  }),
  perf_interval: flag(types.duration, {
    help: 'Time between the starts of perf samples; the latest sample is served.',
    default: '1mins',
  }),
  perf_duration: flag(types.duration, {
    help: 'Length of one perf sample; must be below `--perf_interval`.',
    default: '10secs',
  }),
  revocable_cpu_low_priority: flag(types.bool, {
    help: 'Run containers using revocable CPU at lower priority (cgroups/cpu\nisolator).',
    default: 'true',
  }),
  systemd_enable_support: flag(types.bool, {
    help: 'Turn on systemd integration (e.g. executors outliving the agent);\nenable when the agent runs as a systemd unit.',
    default: 'true',
  }),
  systemd_runtime_directory: flag(types.string, {
    help: "The systemd system runtime directory.",
    default: '/run/systemd/system',
  }),
  firewall_rules: flag(types.proto(mesos.internal.Firewall, 'mesos.internal.Firewall'), {
    help:
      'Endpoint firewall as JSON (the `Firewall` message of flags.proto), inline\n' +
      'or as `file:///path`, e.g.\n' +
      '`{"disabled_endpoints": {"paths": ["/files/browse"]}}`.',
  }),
  credential: flag(types.path, {
    help:
      'JSON file with the credential this agent authenticates to the master\n' +
      'with: `{"principal": "p", "secret": "s"}`. `file:///path` or `/path`.',
  }),
  acls: flag(types.proto(mesos.ACLs, 'mesos.ACLs'), {
    help:
      'ACLs for authorization as JSON (the `ACLs` message of acls.proto), given\n' +
      'inline or as `file:///path`. Ignored when `--authorizer` is not `local`.',
  }),
  containerizer_path: flag(types.string, {
    help: 'External containerizer program, used with `--isolation=external`.',
  }),
  containerizers: flag(types.string, {
    help: 'Comma-separated containerizers tried in order: `mesos`, `external`,\n`docker`.',
    default: 'mesos',
  }),
  default_container_image: flag(types.string, {
    help: 'Image for tasks that name none, with the external containerizer.',
  }),
  docker: flag(types.string, { help: 'The docker program used by the Docker containerizer.', default: 'docker' }),
  docker_remove_delay: flag(types.duration, {
    help: 'How long to wait before removing a finished Docker container.',
    default: '6hrs',
  }),
  docker_kill_orphans: flag(types.bool, {
    help:
      'Kill Docker containers this agent does not know about. Turn off when\n' +
      'several agents share one host.',
    default: 'true',
  }),
  docker_mesos_image: flag(types.string, {
    help:
      'Docker image this agent itself runs in. When set, executors are also\n' +
      'launched in containers so that they can be recovered.',
  }),
  docker_socket: flag(types.string, {
    help: 'Docker daemon socket mounted into Docker executor containers.',
    default: '/var/run/docker.sock',
  }),
  docker_config: flag(types.jsonObject, {
    help:
      'Default Docker client config (as in `~/.docker/config.json` or\n' +
      '`~/.dockercfg`), as JSON inline, `file:///path` or `/path`.',
  }),
  sandbox_directory: flag(types.string, {
    help: 'Where the sandbox appears inside a container.',
    default: '/mnt/mesos/sandbox',
  }),
  default_container_info: flag(types.proto(mesos.ContainerInfo, 'mesos.ContainerInfo'), {
    help:
      'ContainerInfo as JSON added to every ExecutorInfo that has none, inline\n' +
      'or as `file:///path`.',
  }),
  docker_stop_timeout: flag(types.duration, {
    help: 'Deprecated (use the kill policy of tasks). Time between stopping a\nDocker container and killing it.',
    default: '0ns',
  }),
  network_cni_plugins_dir: flag(types.string, { help: 'Directory of the CNI plugin programs (network/cni isolator).' }),
  network_cni_config_dir: flag(types.string, {
    help: 'Directory of the CNI network configuration files, one JSON file per\nnetwork (network/cni isolator).',
  }),
  container_disk_watch_interval: flag(types.duration, {
    help: 'Time between container disk quota checks (disk/du isolator).',
    default: '15secs',
  }),
  enforce_container_disk_quota: flag(types.bool, {
    help: 'Enforce container disk quotas (disk/du isolator).',
    default: 'false',
  }),
  authenticatee: flag(types.string, {
    help: 'How this agent authenticates to the master: `crammd5` or a module.',
    default: DEFAULT_AUTHENTICATEE,
  }),
  authorizer: flag(types.string, {
    help: 'Authorizer: `local` or one loaded with `--modules`. Any other than\n`local` makes the agent ignore `--acls`.',
    default: DEFAULT_AUTHORIZER,
  }),
  http_authenticators: flag(types.string, {
    help: 'HTTP authenticator for authenticated endpoints: `basic` or one loaded\nwith `--modules` (only one).',
    default: DEFAULT_HTTP_AUTHENTICATOR,
  }),
  authenticate_http_readwrite: flag(types.bool, {
    help: 'Require authentication on read-write HTTP endpoints that support it.',
    default: 'false',
  }),
  authenticate_http_readonly: flag(types.bool, {
    help: 'Require authentication on read-only HTTP endpoints that support it.',
    default: 'false',
  }),
  http_credentials: flag(types.path, {
    help:
      'JSON file with the credentials accepted on authenticated HTTP endpoints:\n' +
      '`{"credentials": [{"principal": "p", "secret": "s"}]}`.',
  }),
  hooks: flag(types.string, { help: 'Comma-separated hook modules to install.' }),
  resource_estimator: flag(types.string, { help: 'Resource estimator module for oversubscription.' }),
  qos_controller: flag(types.string, { help: 'QoS controller module for oversubscription.' }),
  qos_correction_interval_min: flag(types.duration, {
    help: 'Shortest time between two QoS corrections.',
    default: '0ns',
  }),
  oversubscribed_resources_interval: flag(types.duration, {
    help: 'How often the estimate of oversubscribed resources is sent to the\nmaster.',
    default: '15secs',
  }),
  master_detector: flag(types.string, {
    help: 'Module symbol of the master detector to use. Not allowed together\nwith `--master`.',
  }),
  http_command_executor: flag(types.bool, {
    help: 'Experimental: have the command executor use the HTTP executor API\ninstead of the driver.',
    default: 'false',
  }),
};

export type AgentFlagDefs = typeof defs;
export type AgentFlags = FlagValues<WithHelp<AgentFlagDefs>>;

function fail(message: string, usage = false): FlagCheckFailure {
  return { message, usage };
}

/**
 * Rules Mesos applies once flags are loaded and --help/--version are answered, in
 * Mesos's order: src/slave/main.cpp, logging::initialize, then Slave::initialize.
 */
export function checkAgentFlags(flags: AgentFlags): FlagCheckFailure | undefined {
  if (flags.master === undefined && flags.master_detector === undefined) {
    return fail('Missing required option `--master` or `--master_detector`.', true);
  }
  if (flags.master !== undefined && flags.master_detector !== undefined) {
    return fail('Only one of --master or --master_detector options should be specified.', true);
  }

  const ip = checkIpDiscovery(flags);
  if (ip) return ip;

  const logging = checkLoggingLevel(flags.logging_level);
  if (logging) return logging;

  const modules = checkModules(flags);
  if (modules) return modules;

  if (flags.registration_backoff_factor > REGISTER_RETRY_INTERVAL_MAX_MS) {
    return fail(
      `Invalid value '${formatStoutDuration(flags.registration_backoff_factor)}' for --registration_backoff_factor:` +
        ` Must be less than ${formatStoutDuration(REGISTER_RETRY_INTERVAL_MAX_MS)}`,
    );
  }

  if (flags.gc_disk_headroom < 0 || flags.gc_disk_headroom > 1) {
    return fail(
      `Invalid value '${formatDouble(flags.gc_disk_headroom)}' for --gc_disk_headroom. Must be between 0.0 and 1.0`,
    );
  }

  if (flags.recover !== 'reconnect' && flags.recover !== 'cleanup') {
    return fail(
      `Unknown option for 'recover' flag ${flags.recover}. Please run the agent with '--help' to see the valid options`,
    );
  }
  return undefined;
}

/** The agent's flag schema (program `mesos-agent`; `--help` is answered before `--version`). */
export const agentFlags = defineFlags('mesos-agent', defs, {
  versionFirst: false,
  check: checkAgentFlags,
});

/** Loads the agent's flags; see common/flags.ts for the rules. */
export function parseAgentFlags(argv: readonly string[], env: Env, options?: ParseOptions): ParseResult<AgentFlags> {
  return parseFlags(agentFlags, argv, env, options);
}
