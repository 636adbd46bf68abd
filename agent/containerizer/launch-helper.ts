// The `mesos-containerizer launch` step (src/slave/containerizer/mesos/launch.cpp in Mesos
// 1.0) as a small Perl program the launcher forks. In order it:
//   1. blocks reading fd 3 until the containerizer says go (EOF instead means the agent
//      is gone: print Mesos's message and exit 1);
//   2. runs each pre-exec command with `sh -c`, still as the agent's user;
//   3. switches user with `setpriv --reuid --regid --init-groups` (uid, gid and the user's
//      supplementary groups, as Mesos's setgid/setgroups/setuid) and continues as that
//      user;
//   4. execs `sh -c <value>` (shell commands) or `<value>` with argv = `arguments`
//      (`arguments[0]` is argv[0], as with execvp), found through the command's PATH.
// Perl touches no environment variable, so the command gets exactly the environment the
// containerizer built; the variables that change Perl's own start-up (PERL*) are held
// back while the helper runs and restored just before exec.
//
// When `setpriv` is missing, the user switch happens when forking (Node's uid/gid
// options), which drops supplementary groups and runs pre-exec commands as the user.

import { has, type mesos } from '../../proto/index.js';
import { currentUid, setprivPath } from './user.js';

export const HELPER_PROGRAM = '/usr/bin/perl';

/** The helper's Perl text (launch-forker.ts runs it in forked children too). */
export const HELPER_SCRIPT = String.raw`
my @a = @ARGV;
if (@a && $a[0] eq '--sync') {
  shift @a;
  open(my $control, '<&=', 3) or do { print STDERR "Failed to open the control pipe: $!\n"; exit 1 };
  my $n;
  do { $n = sysread($control, my $byte, 1) } while (!defined($n) && $!{EINTR});
  if (!$n) { print STDERR "Failed to synchronize with agent (it's probably exited)\n"; exit 1 }
  close($control);
}
while (@a) {
  my $option = $a[0];
  if ($option eq '--fail') { print STDERR "$a[1]\n"; exit 1 }
  elsif ($option eq '--pre') {
    if (system('/bin/sh', '-c', $a[1]) != 0) {
      print STDERR "Failed to execute a preparation shell command\n";
      exit 1;
    }
    splice(@a, 0, 2);
  }
  elsif ($option eq '--user') {
    my (undef, $uid, $gid, $tool) = splice(@a, 0, 4);
    exec { $tool } $tool, "--reuid=$uid", "--regid=$gid", '--init-groups', '--', $^X, '-e', $main::SCRIPT, '--', @a;
    print STDERR "Failed to switch user with $tool: $!\n";
    exit 1;
  }
  elsif ($option eq '--restore') {
    my $entry = $a[1];
    my $eq = index($entry, '=');
    if ($eq < 0) { delete $ENV{$entry} } else { $ENV{substr($entry, 0, $eq)} = substr($entry, $eq + 1) }
    splice(@a, 0, 2);
  }
  else { last }
}
if ($a[0] eq '--shell') {
  exec { 'sh' } 'sh', '-c', $a[1];
} else {
  exec { $a[2] } $a[1], @a[3 .. $#a];
}
print STDERR "Failed to execute command: $!\n";
exit 1;
`;

/** The helper reads its own text from here when it re-runs itself as another user. */
const BOOTSTRAP = `BEGIN { $main::SCRIPT = <<'MESOS_HELPER_END'; }\n${HELPER_SCRIPT}\nMESOS_HELPER_END\n${HELPER_SCRIPT}`;

/** `perl` arguments before the helper's own (`--sync`, `--user`, ...). */
export const HELPER_PREFIX: readonly string[] = ['-e', BOOTSTRAP, '--'];

export interface HelperUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export interface HelperSpec {
  command: mesos.CommandInfo.$Properties;
  environment: Readonly<Record<string, string>>;
  user?: HelperUser | undefined;
  preExecCommands?: readonly mesos.CommandInfo.$Properties[];
  /** Print this and exit 1 instead of running the command. */
  failure?: string | undefined;
}

export interface HelperInvocation {
  file: string;
  args: string[];
  /** The helper's own environment (the command's, minus what would change Perl). */
  env: Record<string, string>;
  /** Set when the fork itself must switch user (no setpriv). */
  uid?: number;
  gid?: number;
}

/** Where the user switch happens: in the helper (setpriv) or when forking. */
export function userSwitchMethod(): 'setpriv' | 'fork' {
  return setprivPath() === undefined ? 'fork' : 'setpriv';
}

function isPerlVariable(name: string): boolean {
  return name.startsWith('PERL');
}

/** Builds the helper's command line and environment for a command. */
export function helperInvocation(spec: HelperSpec): HelperInvocation {
  const args = [...HELPER_PREFIX, '--sync'];
  const env: Record<string, string> = { PERL_BADLANG: '0' };
  for (const [name, value] of Object.entries(spec.environment)) if (!isPerlVariable(name)) env[name] = value;
  const invocation: HelperInvocation = { file: HELPER_PROGRAM, args, env };
  const command = spec.command;
  const shell = command.shell ?? true;
  // Decoded messages carry defaults: presence is what counts.
  const value = has(command, 'value') ? command.value : undefined;

  if (spec.failure !== undefined) {
    args.push('--fail', spec.failure);
    return invocation;
  }
  // Mesos validates the command in the helper, so the container starts and then fails.
  if (value === undefined || value === null) {
    args.push('--fail', shell ? 'Shell command is not specified' : 'Executable path is not specified');
    return invocation;
  }

  for (const pre of spec.preExecCommands ?? []) {
    if (pre.shell === false) {
      args.push('--fail', 'Preparation commands need to be shell commands');
      return invocation;
    }
    if (!has(pre, 'value')) {
      args.push('--fail', "The 'value' of a preparation command is not specified");
      return invocation;
    }
    args.push('--pre', pre.value ?? '');
  }

  // No switch when the target is who we already are.
  const user = spec.user;
  if (user !== undefined && user.uid !== currentUid()) {
    const tool = setprivPath();
    if (tool !== undefined) {
      args.push('--user', String(user.uid), String(user.gid), tool);
    } else {
      invocation.uid = user.uid;
      invocation.gid = user.gid;
    }
  }

  args.push('--restore', 'PERL_BADLANG');
  for (const [name, text] of Object.entries(spec.environment)) {
    if (isPerlVariable(name)) args.push('--restore', `${name}=${text}`);
  }

  if (shell) {
    args.push('--shell', value);
  } else {
    const argv = command.arguments ?? [];
    args.push('--exec', argv[0] ?? value, value, ...argv.slice(1));
  }
  return invocation;
}
