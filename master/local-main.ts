// `mesos-local` command line: --num_slaves, --ip, --port, --work_dir, --quiet
// (master and agent flags come from MESOS_* variables, as in Mesos).

import { createLogger } from '../libprocess/logging.js';
import { LocalClusterError, startLocalCluster } from './local.js';

const USAGE = `Usage: mesos-local [options]

Runs a master and one or more agents in one process (work dirs under a temp dir).
Master and agent flags are read from MESOS_* environment variables.

  --num_slaves=VALUE   Number of agents to launch for the local cluster (default: 1)
  --ip=VALUE           IP address to listen on (default: 127.0.0.1)
  --port=VALUE         Port to listen on (default: 5050)
  --work_dir=VALUE     Root directory for the agents' work dirs (default: a new temp dir)
  --resources=VALUE    Resources of each agent (default: detected from this machine)
  --[no-]quiet         Do not log to stderr (default: false)
  --help               Print this help and exit
`;

const values = new Map<string, string>();
for (const arg of process.argv.slice(2)) {
  const match = /^--(no-)?([a-z_]+)(?:=(.*))?$/s.exec(arg);
  if (match === null) {
    process.stderr.write(`Failed to parse argument '${arg}'\n\n${USAGE}`);
    process.exit(1);
  }
  const [, negated, name = '', value] = match;
  values.set(name, negated !== undefined ? 'false' : (value ?? 'true'));
}
if (values.get('help') === 'true') {
  process.stdout.write(USAGE);
  process.exit(0);
}
const known = new Set(['num_slaves', 'ip', 'port', 'work_dir', 'resources', 'quiet', 'help']);
for (const name of values.keys()) {
  if (!known.has(name)) {
    process.stderr.write(`Failed to load unknown flag '${name}' (master and agent flags go in MESOS_* environment variables)\n\n${USAGE}`);
    process.exit(1);
  }
}
const integer = (name: string, fallback: number, max: number): number => {
  const text = values.get(name) ?? process.env[`MESOS_${name.toUpperCase()}`];
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) {
    process.stderr.write(`Failed to load flag '${name}': '${text}' is not an integer in [0, ${max}]\n`);
    process.exit(1);
  }
  return Number(text);
};
const quiet = values.get('quiet') === 'true';
const log = createLogger({ name: 'mesos-local', level: quiet ? 'fatal' : 'info' });
try {
  const cluster = await startLocalCluster({
    ip: values.get('ip') ?? '127.0.0.1',
    port: integer('port', 5050, 65535),
    numAgents: integer('num_slaves', 1, 1000),
    workDir: values.get('work_dir'),
    agentResources: values.get('resources'),
    log,
  });
  process.stdout.write(
    `Mesos local cluster: master at ${cluster.url} with ${cluster.agents.length} agent(s)\n` +
      `  state:    ${cluster.url}/master/state\n` +
      `  work dir: ${cluster.workDir}\n` +
      `Try: npx mesos-execute --master=${cluster.runtime.host}:${cluster.runtime.port} --name=hello --command='echo hi'\n`,
  );
  const stop = (): void => {
    void cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`${error instanceof LocalClusterError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
