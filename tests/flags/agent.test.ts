import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveCli, usage } from '../../common/flags.js';
import { mesos } from '../../proto/index.js';
import { agentFlags, checkAgentFlags, parseAgentFlags, type AgentFlags } from '../../agent/flags.js';

// Every flag name of Mesos 1.0's agent built on Linux without the network or XFS
// isolators: src/slave/flags.cpp, src/logging/flags.cpp, src/slave/main.cpp, and `help`.
const MESOS_AGENT_FLAGS = (
  'hostname hostname_lookup version resources isolation launcher image_providers image_provisioner_backend ' +
  'appc_simple_discovery_uri_prefix appc_store_dir docker_registry docker_store_dir ' +
  'docker_volume_checkpoint_dir default_role attributes fetcher_cache_size fetcher_cache_dir work_dir ' +
  'launcher_dir hadoop_home switch_user frameworks_home registration_backoff_factor ' +
  'authentication_backoff_factor executor_environment_variables executor_registration_timeout ' +
  'executor_shutdown_grace_period gc_delay gc_disk_headroom disk_watch_interval container_logger recover ' +
  'recovery_timeout strict cgroups_hierarchy cgroups_root cgroups_enable_cfs cgroups_limit_swap ' +
  'cgroups_cpu_enable_pids_and_tids_count cgroups_net_cls_primary_handle cgroups_net_cls_secondary_handles ' +
  'agent_subsystems nvidia_gpu_devices perf_events perf_interval perf_duration revocable_cpu_low_priority ' +
  'systemd_enable_support systemd_runtime_directory firewall_rules credential acls containerizer_path ' +
  'containerizers default_container_image docker docker_remove_delay docker_kill_orphans docker_mesos_image ' +
  'docker_socket docker_config sandbox_directory default_container_info docker_stop_timeout ' +
  'network_cni_plugins_dir network_cni_config_dir container_disk_watch_interval ' +
  'enforce_container_disk_quota modules modules_dir authenticatee authorizer http_authenticators ' +
  'authenticate_http_readwrite authenticate_http_readonly http_credentials hooks resource_estimator ' +
  'qos_controller qos_correction_interval_min oversubscribed_resources_interval master_detector ' +
  'http_command_executor ' +
  'quiet logging_level log_dir logbufsecs initialize_driver_logging external_log_file ' +
  'ip port advertise_ip advertise_port master ip_discovery_command help'
).split(' ');

// Flags of ours that Mesos does not have (documented as extensions in docs/flags.md).
const EXTENSIONS = ['shared_command_executor'];

const base = ['--work_dir=/var/lib/mesos', '--master=127.0.0.1:5050'];

function load(argv: string[], env: Record<string, string> = {}): AgentFlags {
  const r = parseAgentFlags(argv, env);
  if (!r.ok) throw new Error(r.error);
  return r.flags;
}

test('the schema has exactly the Mesos 1.0 agent flags, plus our extensions', (t) => {
  t.deepEqual([...agentFlags.names].sort(), [...MESOS_AGENT_FLAGS, ...EXTENSIONS].sort());
});

test('defaults match Mesos 1.0', (t) => {
  const f = load(base);
  const expected: Partial<Record<keyof AgentFlags, unknown>> = {
    port: 5051,
    isolation: 'posix/cpu,posix/mem',
    containerizers: 'mesos',
    default_role: '*',
    image_provisioner_backend: 'copy',
    appc_simple_discovery_uri_prefix: 'http://',
    appc_store_dir: '/tmp/mesos/store/appc',
    docker_registry: 'https://registry-1.docker.io',
    docker_store_dir: '/tmp/mesos/store/docker',
    docker_volume_checkpoint_dir: '/var/run/mesos/isolators/docker/volume',
    fetcher_cache_size: 2 * 1024 ** 3,
    fetcher_cache_dir: '/tmp/mesos/fetch',
    hadoop_home: '',
    frameworks_home: '',
    switch_user: true,
    registration_backoff_factor: 1000,
    authentication_backoff_factor: 1000,
    executor_registration_timeout: 60_000,
    executor_shutdown_grace_period: 5000,
    gc_delay: 604_800_000,
    gc_disk_headroom: 0.1,
    disk_watch_interval: 60_000,
    recover: 'reconnect',
    recovery_timeout: 900_000,
    strict: true,
    cgroups_hierarchy: '/sys/fs/cgroup',
    cgroups_root: 'mesos',
    cgroups_enable_cfs: false,
    cgroups_limit_swap: false,
    perf_interval: 60_000,
    perf_duration: 10_000,
    revocable_cpu_low_priority: true,
    systemd_enable_support: true,
    systemd_runtime_directory: '/run/systemd/system',
    docker: 'docker',
    docker_remove_delay: 21_600_000,
    docker_kill_orphans: true,
    docker_socket: '/var/run/docker.sock',
    sandbox_directory: '/mnt/mesos/sandbox',
    docker_stop_timeout: 0,
    container_disk_watch_interval: 15_000,
    enforce_container_disk_quota: false,
    authenticatee: 'crammd5',
    authorizer: 'local',
    http_authenticators: 'basic',
    authenticate_http_readwrite: false,
    authenticate_http_readonly: false,
    qos_correction_interval_min: 0,
    oversubscribed_resources_interval: 15_000,
    http_command_executor: false,
    shared_command_executor: false,
    hostname_lookup: true,
    logging_level: 'INFO',
    resources: undefined,
    attributes: undefined,
  };
  for (const [name, value] of Object.entries(expected)) t.is(f[name as keyof AgentFlags] as unknown, value, name);
  t.true(f.launcher_dir.endsWith('/bin'));
});

test('--work_dir is required', (t) => {
  t.deepEqual(parseAgentFlags(['--master=m:5050'], {}), {
    ok: false,
    error: "Flag 'work_dir' is required, but it was not provided",
  });
  t.is(load(['--master=m:5050'], { MESOS_WORK_DIR: '/w' }).work_dir, '/w');
});

test('--master or --master_detector is required, not both', (t) => {
  const none = resolveCli(agentFlags, ['--work_dir=/w'], {});
  t.true(none.action === 'exit' && none.code === 1);
  if (none.action === 'exit') {
    t.regex(none.stderr ?? '', /^Missing required option `--master` or `--master_detector`\.\n\nUsage: mesos-agent \[options\]/);
  }
  const both = checkAgentFlags(load([...base, '--master_detector=x']));
  t.is(both?.message, 'Only one of --master or --master_detector options should be specified.');
  t.is(checkAgentFlags(load(['--work_dir=/w', '--master_detector=x'])), undefined);
});

test('--help works without required flags; --help comes before --version', (t) => {
  const help = resolveCli(agentFlags, ['--help', '--version'], {});
  t.true(help.action === 'exit' && help.code === 0 && (help.stdout ?? '').startsWith('Usage: mesos-agent [options]'));
});

test('--help lists every flag', (t) => {
  const text = usage(agentFlags);
  for (const name of MESOS_AGENT_FLAGS) t.regex(text, new RegExp(`\\n {2}--(\\[no-\\])?${name}[=,\\s]`), name);
  t.regex(text, /--agent_subsystems=VALUE, --slave_subsystems=VALUE/);
  t.regex(text, /--fetcher_cache_size=VALUE +Size of the fetcher cache\. \(default: 2GB\)/);
  t.regex(text, /--gc_delay=VALUE +[^\n]*\n +[^\n]*\(default: 1weeks\)/);
  t.regex(text, /--docker_stop_timeout=VALUE[^\n]*\n[^\n]*\(default: 0ns\)\n/);
});

test('typed values', (t) => {
  const f = load([
    ...base,
    '--fetcher_cache_size=512MB',
    '--gc_delay=3days',
    '--gc_disk_headroom=0.25',
    '--nvidia_gpu_devices=0,1',
    '--executor_environment_variables={"PATH": "/bin"}',
    '--default_container_info={"type": "MESOS"}',
    '--slave_subsystems=memory,cpuacct',
    '--no-switch_user',
  ]);
  t.is(f.fetcher_cache_size, 512 * 1024 ** 2);
  t.is(f.gc_delay, 3 * 86_400_000);
  t.is(f.gc_disk_headroom, 0.25);
  t.deepEqual(f.nvidia_gpu_devices, [0, 1]);
  t.deepEqual(f.executor_environment_variables, { PATH: '/bin' });
  t.is(f.default_container_info?.type, mesos.ContainerInfo.Type.MESOS);
  t.is(f.agent_subsystems, 'memory,cpuacct');
  t.false(f.switch_user);
});

test('bad values name the flag', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['--port=65536', /^Failed to load flag 'port': Failed to load value '65536': /],
    ['--fetcher_cache_size=2GiB', /^Failed to load flag 'fetcher_cache_size': Failed to load value '2GiB': Unknown bytes unit 'GIB'$/],
    ['--gc_delay=1week', /^Failed to load flag 'gc_delay': Failed to load value '1week': Unknown duration unit 'week'/],
    ['--executor_environment_variables={"A": 1}', /^Failed to load flag 'executor_environment_variables': .*not a string/],
    ['--strict=maybe', /^Failed to load flag 'strict': Failed to load value 'maybe': Expecting a boolean/],
  ];
  for (const [arg, pattern] of cases) {
    const r = parseAgentFlags([...base, arg], {});
    t.false(r.ok, arg);
    if (!r.ok) t.regex(r.error, pattern, arg);
  }
});

test('--master and --resources read file:// values', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-flags-'));
  const masterFile = join(dir, 'master');
  writeFileSync(masterFile, 'zk://zk1:2181/mesos');
  const resourcesFile = join(dir, 'resources.json');
  writeFileSync(resourcesFile, '[{"name": "cpus", "type": "SCALAR", "scalar": {"value": 4}}]');
  const f = load(['--work_dir=/w', `--master=file://${masterFile}`], { MESOS_RESOURCES: `file://${resourcesFile}` });
  t.is(f.master, 'zk://zk1:2181/mesos');
  t.is(f.resources, '[{"name": "cpus", "type": "SCALAR", "scalar": {"value": 4}}]');
});

test('Slave::initialize() rules', (t) => {
  const check = (argv: string[]) => checkAgentFlags(load([...base, ...argv]))?.message;
  t.is(check([]), undefined);
  t.is(check(['--recover=cleanup']), undefined);
  t.is(
    check(['--recover=restart']),
    "Unknown option for 'recover' flag restart. Please run the agent with '--help' to see the valid options",
  );
  t.is(check(['--gc_disk_headroom=1.5']), "Invalid value '1.5' for --gc_disk_headroom. Must be between 0.0 and 1.0");
  t.is(
    check(['--registration_backoff_factor=2mins']),
    "Invalid value '2mins' for --registration_backoff_factor: Must be less than 1mins",
  );
  t.is(
    check(['--logging_level=debug']),
    "'debug' is not a valid logging level. Possible values for 'logging_level' flag are: 'INFO', 'WARNING', 'ERROR'.",
  );
  t.is(check(['--ip=1.2.3.4', '--ip_discovery_command=x']), 'Only one of `--ip` or `--ip_discovery_command` should be specified');
});

test('docs/flags.md has a row for every agent flag', (t) => {
  const doc = readFileSync(new URL('../../docs/flags.md', import.meta.url), 'utf8');
  for (const name of [...MESOS_AGENT_FLAGS, ...EXTENSIONS]) t.true(doc.includes(`| \`--${name}\``), name);
});
