import test from 'ava';
import { readFileSync } from 'node:fs';
import { resolveCli, stringifyFlags, usage } from '../../common/flags.js';
import {
  checkMasterFlags,
  masterFlags,
  parseAgentRemovalRateLimit,
  parseMasterFlags,
  parseRecoveryAgentRemovalLimit,
  parseWeights,
  type MasterFlags,
} from '../../master/flags.js';

// Every flag name of Mesos 1.0's master in a default build: src/master/flags.cpp (without
// the network-isolator-only max_executors_per_agent), src/logging/flags.cpp,
// src/master/main.cpp, and stout's `help`.
const MESOS_MASTER_FLAGS = (
  'version hostname hostname_lookup root_submissions work_dir registry quorum zk_session_timeout ' +
  'registry_strict registry_fetch_timeout registry_store_timeout log_auto_initialize ' +
  'agent_reregister_timeout recovery_agent_removal_limit agent_removal_rate_limit webui_dir whitelist ' +
  'user_sorter framework_sorter allocation_interval cluster roles weights authenticate_frameworks ' +
  'authenticate_agents authenticate_http_readwrite authenticate_http_readonly authenticate_http_frameworks ' +
  'credentials acls firewall_rules rate_limits offer_timeout modules modules_dir authenticators allocator ' +
  'fair_sharing_excluded_resource_names hooks agent_ping_timeout max_agent_ping_timeouts authorizers ' +
  'http_authenticators http_framework_authenticators max_completed_frameworks ' +
  'max_completed_tasks_per_framework master_contender master_detector ' +
  'quiet logging_level log_dir logbufsecs initialize_driver_logging external_log_file ' +
  'ip port advertise_ip advertise_port zk ip_discovery_command help'
).split(' ');

function load(argv: string[], env: Record<string, string> = {}): MasterFlags {
  const r = parseMasterFlags(argv, env);
  if (!r.ok) throw new Error(r.error);
  return r.flags;
}

test('the schema has exactly the Mesos 1.0 master flags', (t) => {
  t.deepEqual([...masterFlags.names].sort(), [...MESOS_MASTER_FLAGS].sort());
});

test('defaults match Mesos 1.0', (t) => {
  const f = load([]);
  const expected: Partial<Record<keyof MasterFlags, unknown>> = {
    port: 5050,
    registry: 'replicated_log',
    zk_session_timeout: 10_000,
    registry_strict: false,
    registry_fetch_timeout: 60_000,
    registry_store_timeout: 20_000,
    log_auto_initialize: true,
    agent_reregister_timeout: 600_000,
    recovery_agent_removal_limit: '100%',
    user_sorter: 'drf',
    framework_sorter: 'drf',
    allocation_interval: 1000,
    authenticate_frameworks: false,
    authenticate_agents: false,
    authenticate_http_readwrite: false,
    authenticate_http_readonly: false,
    authenticate_http_frameworks: false,
    authenticators: 'crammd5',
    allocator: 'HierarchicalDRF',
    agent_ping_timeout: 15_000,
    max_agent_ping_timeouts: 5,
    authorizers: 'local',
    http_authenticators: 'basic',
    max_completed_frameworks: 50,
    max_completed_tasks_per_framework: 1000,
    hostname_lookup: true,
    root_submissions: true,
    version: false,
    quiet: false,
    logging_level: 'INFO',
    logbufsecs: 0,
    initialize_driver_logging: true,
    offer_timeout: undefined,
    work_dir: undefined,
    quorum: undefined,
    zk: undefined,
    acls: undefined,
  };
  for (const [name, value] of Object.entries(expected)) t.is(f[name as keyof MasterFlags] as unknown, value, name);
});

test('deprecated slave_* names still load', (t) => {
  const table: Array<[string, keyof MasterFlags, unknown]> = [
    ['--slave_ping_timeout=30secs', 'agent_ping_timeout', 30_000],
    ['--max_slave_ping_timeouts=7', 'max_agent_ping_timeouts', 7],
    ['--slave_reregister_timeout=20mins', 'agent_reregister_timeout', 1_200_000],
    ['--recovery_slave_removal_limit=50%', 'recovery_agent_removal_limit', '50%'],
    ['--slave_removal_rate_limit=1/10mins', 'agent_removal_rate_limit', '1/10mins'],
    ['--authenticate', 'authenticate_frameworks', true],
    ['--authenticate_slaves', 'authenticate_agents', true],
    ['--authenticate_http', 'authenticate_http_readwrite', true],
  ];
  for (const [arg, name, value] of table) {
    const r = parseMasterFlags([arg], {});
    t.true(r.ok, arg);
    if (!r.ok) continue;
    t.is(r.flags[name] as unknown, value, arg);
    t.is(r.warnings.length, 1, arg);
    t.regex(r.warnings[0] ?? '', /^Loaded deprecated flag '/);
  }
});

test('flag validators from src/master/flags.cpp', (t) => {
  const cases: Array<[string, string]> = [
    ['--agent_ping_timeout=500ms', 'Expected `--agent_ping_timeout` to be between 1secs and 15mins'],
    ['--agent_ping_timeout=16mins', 'Expected `--agent_ping_timeout` to be between 1secs and 15mins'],
    ['--max_agent_ping_timeouts=0', 'Expected `--max_agent_ping_timeouts` to be at least 1'],
    [
      '--registry_strict',
      "Support for '--registry_strict' has been disabled and will be removed in a future version of Mesos",
    ],
  ];
  for (const [arg, error] of cases) t.deepEqual(parseMasterFlags([arg], {}), { ok: false, error }, arg);
});

test('bad values name the flag', (t) => {
  const r = parseMasterFlags(['--port=70000'], {});
  t.false(r.ok);
  if (!r.ok) t.true(r.error.startsWith("Failed to load flag 'port': Failed to load value '70000': "));
  const d = parseMasterFlags(['--offer_timeout=soon'], {});
  t.false(d.ok);
  if (!d.ok) t.true(d.error.startsWith("Failed to load flag 'offer_timeout': Failed to load value 'soon': "));
  const j = parseMasterFlags(['--acls={'], {});
  t.false(j.ok);
  if (!j.ok) t.true(j.error.startsWith("Failed to load flag 'acls'"));
});

test('environment MESOS_* and precedence', (t) => {
  const f = load(['--port=5051'], { MESOS_PORT: '6000', MESOS_WORK_DIR: '/var/lib/mesos', MESOS_QUORUM: '2' });
  t.is(f.port, 5051);
  t.is(f.work_dir, '/var/lib/mesos');
  t.is(f.quorum, 2);
});

test('--help lists every flag; --version comes first for the master', (t) => {
  const text = usage(masterFlags);
  t.true(text.startsWith('Usage: mesos-master [options]\n\n'));
  for (const name of MESOS_MASTER_FLAGS) t.regex(text, new RegExp(`\\n {2}--(\\[no-\\])?${name}[=,\\s]`), name);
  t.regex(text, /--agent_ping_timeout=VALUE, --slave_ping_timeout=VALUE +.*/);
  t.regex(text, /\(default: 15secs\)/);
  const both = resolveCli(masterFlags, ['--help', '--version'], {});
  t.deepEqual(both, { action: 'exit', code: 0, stdout: 'mesos 1.0.0\n' });
});

function check(argv: string[]): string | undefined {
  return checkMasterFlags(load(argv))?.message;
}

test('main() and Master::initialize() rules', (t) => {
  t.is(check(['--work_dir=/w']), undefined);
  t.is(check(['--registry=in_memory']), undefined);
  t.is(check([]), '--work_dir needed for replicated log based registry');
  t.is(check(['--registry=bogus']), "'bogus' is not a supported option for registry persistence");
  t.is(
    check(['--work_dir=/w', '--zk=zk://h:2181/mesos']),
    'Need to specify --quorum for replicated log based registry when using ZooKeeper',
  );
  t.is(check(['--work_dir=/w', '--zk=zk://h:2181/mesos', '--quorum=2']), undefined);
  t.is(check(['--registry=in_memory', '--ip=1.2.3.4', '--ip_discovery_command=echo']), 'Only one of `--ip` or `--ip_discovery_command` should be specified');
  t.is(check(['--registry=in_memory', '--master_contender=x']), 'Both --master_contender and --master_detector should be specified or omitted.');
  t.is(
    check(['--registry=in_memory', '--zk=zk://h/m', '--master_contender=x', '--master_detector=y']),
    'Only one of --zk or the --master_contender/--master_detector pair should be specified.',
  );
  t.is(
    check(['--registry=in_memory', '--logging_level=DEBUG']),
    "'DEBUG' is not a valid logging level. Possible values for 'logging_level' flag are: 'INFO', 'WARNING', 'ERROR'.",
  );
  t.is(check(['--registry=in_memory', '--modules={}', '--modules_dir=/m']), 'Only one of --modules or --modules_dir should be specified');
  t.is(
    check(['--registry=in_memory', '--agent_reregister_timeout=5mins']),
    "Invalid value '5mins' for --agent_reregister_timeout: Must be at least 10mins",
  );
  t.is(
    check(['--registry=in_memory', '--recovery_agent_removal_limit=50']),
    "Invalid value '50' for --recovery_agent_removal_percent_limit: missing '%'",
  );
  t.is(
    check(['--registry=in_memory', '--agent_removal_rate_limit=10mins']),
    'Invalid agent_removal_rate_limit: 10mins. Format is <Number of agents>/<Duration>',
  );
  t.is(
    check(['--registry=in_memory', '--offer_timeout=0secs']),
    "Invalid value '0ns' for --offer_timeout: Must be greater than zero",
  );
  t.is(check(['--registry=in_memory', '--authorizers=a,b']), 'Multiple authorizers not supported');
  t.regex(check(['--registry=in_memory', '--authenticate_http_frameworks']) ?? '', /^Missing `--http_framework_authenticators` flag/);
  t.is(
    check(['--registry=in_memory', '--rate_limits={"limits": [{"principal": "a", "qps": 0}]}']),
    'Invalid qps: 0. It must be a positive number',
  );
  t.is(
    check(['--registry=in_memory', '--rate_limits={"limits": [{"principal": "a"}, {"principal": "a"}]}']),
    'Duplicate principal a found in RateLimits configuration',
  );
  t.is(check(['--registry=in_memory', '--rate_limits={"limits": [{"principal": "a"}]}']), undefined);
  t.is(check(['--registry=in_memory', '--weights=a=2,b']), "Invalid weight: 'b'. --weights should be of the form 'role=weight,role=weight'");
  t.is(check(['--registry=in_memory', '--roles=a', '--weights=b=2']), "Invalid weight: 'b=2'. b is not a valid role");
  t.is(check(['--registry=in_memory', '--weights=a=0']), "Invalid weight: 'a=0'. Weights must be positive");
});

test('cross-flag rules run after --help in resolveCli, with usage when Mesos prints it', (t) => {
  const help = resolveCli(masterFlags, ['--help', '--registry=bogus'], {});
  t.true(help.action === 'exit' && help.code === 0);
  const contender = resolveCli(masterFlags, ['--master_contender=x'], {});
  t.true(contender.action === 'exit' && contender.code === 1);
  if (contender.action === 'exit') t.regex(contender.stderr ?? '', /^Both --master_contender.*\n\nUsage: mesos-master/);
  const workDir = resolveCli(masterFlags, [], {});
  t.deepEqual(workDir, { action: 'exit', code: 1, stderr: '--work_dir needed for replicated log based registry\n' });
  const run = resolveCli(masterFlags, ['--work_dir=/w', '--slave_ping_timeout=20secs'], {});
  t.is(run.action, 'run');
  if (run.action === 'run') {
    t.is(run.flags.agent_ping_timeout, 20_000);
    t.deepEqual(run.warnings, ["Loaded deprecated flag 'slave_ping_timeout'"]);
    const printed = stringifyFlags(masterFlags, run.flags, run.loadedNames);
    t.is(printed['slave_ping_timeout'], '20secs');
    t.is(printed['port'], '5050');
    t.is(printed['registry_fetch_timeout'], '1mins');
    t.false('zk' in printed);
  }
});

test('value helpers', (t) => {
  t.deepEqual(parseAgentRemovalRateLimit('2/3hrs'), { ok: true, permits: 2, durationMs: 10_800_000 });
  t.false(parseAgentRemovalRateLimit('x/3hrs').ok);
  t.false(parseAgentRemovalRateLimit('1/3').ok);
  t.deepEqual(parseRecoveryAgentRemovalLimit('100%'), { ok: true, fraction: 1 });
  t.deepEqual(parseRecoveryAgentRemovalLimit('12.5%'), { ok: true, fraction: 0.125 });
  t.false(parseRecoveryAgentRemovalLimit('101%').ok);
  t.false(parseRecoveryAgentRemovalLimit('x%').ok);
  const w = parseWeights('a=2,b=0.5', undefined);
  t.true(w.ok);
  if (w.ok) t.deepEqual([...w.weights], [['a', 2], ['b', 0.5]]);
});

test('docs/flags.md has a row for every master flag', (t) => {
  const doc = readFileSync(new URL('../../docs/flags.md', import.meta.url), 'utf8');
  for (const name of MESOS_MASTER_FLAGS) t.true(doc.includes(`| \`--${name}\``), name);
});
