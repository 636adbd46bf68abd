// The driver's flags, read from MESOS_* environment variables with stout's
// rules (common/flags.ts), as 1.0's scheduler::Flags (src/sched/flags.hpp),
// and the constants of src/sched/constants.hpp.

import { defineFlags, flag, parseFlags, types, type Env } from '../common/flags.js';

/** DEFAULT_REGISTRATION_BACKOFF_FACTOR. */
export const DEFAULT_REGISTRATION_BACKOFF_FACTOR_MS = 2_000;
/** REGISTRATION_RETRY_INTERVAL_MAX. */
export const REGISTRATION_RETRY_INTERVAL_MAX_MS = 60_000;
/** AUTHENTICATION_RETRY_INTERVAL_MAX. */
export const AUTHENTICATION_RETRY_INTERVAL_MAX_MS = 60_000;
/** How long one authentication attempt may take (sched.cpp's `delay(Seconds(5), ...)`). */
export const AUTHENTICATION_TIMEOUT_MS = 5_000;
/** DEFAULT_AUTHENTICATEE. */
export const DEFAULT_AUTHENTICATEE = 'crammd5';

export const schedulerFlags = defineFlags('scheduler', {
  authentication_backoff_factor: flag(types.duration, {
    help:
      'Scheduler driver authentication retries are exponentially backed off\n' +
      "based on 'b', the authentication backoff factor (the Nth retry waits a\n" +
      'random time in [0, b * 2^N]), up to 1mins.',
    default: '1secs',
  }),
  registration_backoff_factor: flag(types.duration, {
    help:
      'Scheduler driver (re-)registration retries are exponentially backed off\n' +
      "based on 'b', the registration backoff factor (1st retry in [0, b], 2nd\n" +
      'in [0, b * 2], ...) up to the framework failover timeout / 10, if\n' +
      'given, or 1mins, whichever is smaller.',
    default: '2secs',
  }),
  authenticatee: flag(types.string, {
    help: `Authenticatee implementation to use when authenticating against the master ('${DEFAULT_AUTHENTICATEE}').`,
    default: DEFAULT_AUTHENTICATEE,
  }),
  modules: flag(types.string, { help: 'Modules to load (not supported by this build).' }),
  modules_dir: flag(types.string, { help: 'Directory of module manifests (not supported by this build).' }),
});

export interface SchedulerFlags {
  registrationBackoffFactorMs: number;
  authenticationBackoffFactorMs: number;
  authenticatee: string;
}

export type FlagsResult = { ok: true; flags: SchedulerFlags; warnings: readonly string[] } | { ok: false; error: string };

/**
 * `flags.load("MESOS_")` and the module checks of MesosSchedulerDriver::start;
 * an error aborts the driver with that message.
 */
export function loadSchedulerFlags(env: Env): FlagsResult {
  const result = parseFlags(schedulerFlags, [], env);
  if (!result.ok) return { ok: false, error: result.error };
  const flags = result.flags;
  if (flags.modules !== undefined && flags.modules_dir !== undefined) {
    return { ok: false, error: 'Only one of MESOS_MODULES or MESOS_MODULES_DIR should be specified' };
  }
  if (flags.modules !== undefined || flags.modules_dir !== undefined) {
    return { ok: false, error: 'Error loading modules: modules are not supported by this build' };
  }
  return {
    ok: true,
    warnings: result.warnings,
    flags: {
      registrationBackoffFactorMs: flags.registration_backoff_factor,
      authenticationBackoffFactorMs: flags.authentication_backoff_factor,
      authenticatee: flags.authenticatee,
    },
  };
}
