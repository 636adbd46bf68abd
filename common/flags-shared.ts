// Flags that mesos-master and mesos-agent share: the logging flags
// (src/logging/flags.cpp) and the listen/advertise flags each main() adds itself
// (src/master/main.cpp, src/slave/main.cpp). Help texts are ours.

import { flag, type FlagCheckFailure } from './flags.js';
import { types } from './flags-values.js';
import { mesos } from '../proto/index.js';

/** src/logging/flags.cpp. */
export const loggingFlags = {
  quiet: flag(types.bool, {
    help: 'Do not log to stderr.',
    default: 'false',
  }),
  logging_level: flag(types.string, {
    help:
      'Lowest severity that is logged: `INFO`, `WARNING` or `ERROR`.\n' +
      'With `--quiet` this only applies to the files under `--log_dir`.',
    default: 'INFO',
  }),
  log_dir: flag(types.string, {
    help:
      'Directory for log files; unset means no log files are written.\n' +
      'Logging to stderr is unaffected. When set, the log is also\n' +
      'served to the web UI. Third-party libraries still log to stderr only.',
  }),
  logbufsecs: flag(types.int, {
    help: 'Seconds log lines may sit in a buffer before being flushed\n(0 flushes at once).',
    default: '0',
  }),
  initialize_driver_logging: flag(types.bool, {
    help:
      'Set up logging for the scheduler and executor drivers the same way\n' +
      'as for this daemon (their logs stay separate). Irrelevant to the\n' +
      'HTTP scheduler/executor APIs.',
    default: 'true',
  }),
  external_log_file: flag(types.string, {
    help:
      'A log file written by something else (e.g. syslog or journald\n' +
      'collecting stderr) that should be exposed in the web UI and over\n' +
      'HTTP. Has no effect with `--quiet`; preferred over `--log_dir` for\n' +
      'display.',
  }),
};

/** The listen/advertise flags of a daemon's main(); `port` defaults differ per daemon. */
/** `--modules` and `--modules_dir`, the same for master and agent. */
export const moduleFlags = {
  modules: flag(types.proto(mesos.Modules, 'mesos.Modules'), {
    help:
      'Module libraries to load, as JSON (the `Modules` message), inline or as\n' +
      '`file:///path`. Not allowed together with `--modules_dir`.',
  }),
  modules_dir: flag(types.string, {
    help:
      'Directory of module manifest files, loaded in alphabetical order. Not\n' +
      'allowed together with `--modules`.',
  }),
};

export function networkFlags(daemon: 'master' | 'agent', defaultPort: number) {
  return {
    ip: flag(types.string, {
      help: `Address to listen on. Not allowed together with\n\`--ip_discovery_command\`.`,
    }),
    port: flag(types.uint16, {
      help: 'Port to listen on.',
      default: String(defaultPort),
    }),
    advertise_ip: flag(types.string, {
      help:
        `Address other processes should use to reach this ${daemon}. The ${daemon}\n` +
        'does not bind to it (useful behind NAT or inside containers).',
    }),
    advertise_port: flag(types.string, {
      help: `Port to advertise along with \`--advertise_ip\`. The ${daemon} does not\nbind to it.`,
    }),
    ip_discovery_command: flag(types.string, {
      help:
        'A command whose output is the address to listen on. Not allowed\n' +
        'together with `--ip`.',
    }),
  };
}

export const LOGGING_LEVELS = ['INFO', 'WARNING', 'ERROR'] as const;

/** logging::initialize's check of `--logging_level` (src/logging/logging.cpp). */
export function checkLoggingLevel(level: string): FlagCheckFailure | undefined {
  if ((LOGGING_LEVELS as readonly string[]).includes(level)) return undefined;
  return {
    message:
      `'${level}' is not a valid logging level. Possible values for` +
      " 'logging_level' flag are: 'INFO', 'WARNING', 'ERROR'.",
    usage: false,
  };
}

/** Both daemons refuse `--ip` together with `--ip_discovery_command`. */
export function checkIpDiscovery(flags: {
  readonly ip: string | undefined;
  readonly ip_discovery_command: string | undefined;
}): FlagCheckFailure | undefined {
  if (flags.ip !== undefined && flags.ip_discovery_command !== undefined) {
    return { message: 'Only one of `--ip` or `--ip_discovery_command` should be specified', usage: true };
  }
  return undefined;
}

/** Both daemons refuse `--modules` together with `--modules_dir`. */
export function checkModules(flags: {
  readonly modules: unknown;
  readonly modules_dir: string | undefined;
}): FlagCheckFailure | undefined {
  if (flags.modules !== undefined && flags.modules_dir !== undefined) {
    return { message: 'Only one of --modules or --modules_dir should be specified', usage: true };
  }
  return undefined;
}
