// Forks launch helpers from a small long-lived Perl process instead of from a large Node
// process. fork(2) copies the parent's page tables: from the ~200 MB shared executor host
// each spawn cost 4-5 ms of its one thread (most of its time when starting 1,000 tasks),
// from this ~5 MB Perl process about 0.2 ms. Each forked child is the launch helper
// (launch-helper.ts), run in the child without a new exec of perl: it gets its own
// session (setsid), the sandbox's stdout/stderr files opened for append, stdin from
// /dev/null, the given working directory and environment, the control pipe on fd 3, and
// then runs the helper's steps (block on fd 3, pre-exec commands, user switch, exec).
//
// Protocol, over the forker's stdin/stdout:
//   in:  `spawn <id> <bytes>\n` + <bytes> of NUL-separated fields: cwd, stdout path,
//        stderr path, uid, gid (empty unless the fork itself switches user), argv0, the
//        number of environment entries, the entries (`NAME=value`), the helper's
//        arguments;   `go <id>\n`: let the helper of <id> go on (write to its fd 3, close).
//   out: `forked <id> <pid>\n`, `failed <id> <reason>\n`, `exit <id> <wait status>\n`.
// When its stdin closes (its parent is gone) the forker SIGKILLs its children's process
// groups and exits; a helper still blocked then sees EOF on fd 3 and exits 1.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { HELPER_PREFIX, HELPER_PROGRAM, HELPER_SCRIPT, type HelperInvocation } from './launch-helper.js';
import { killtree } from './proc.js';

const FORKER_SCRIPT = String.raw`
use strict;
use POSIX ();
BEGIN { $main::SCRIPT = <<'MESOS_HELPER_END'; }
${HELPER_SCRIPT}
MESOS_HELPER_END
my $helper = eval "sub { $main::SCRIPT }" or die "Failed to compile the launch helper: $@";
$0 = 'mesos-launch-forker';
$| = 1;
$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = sub {};
my (%children, %control);
my $buffer = '';

# Writes all of it: a write blocked on a full pipe is cut short by SIGCHLD (EINTR or a
# partial count), which would lose an exit report or a go.
sub write_all {
  my ($fh, $data) = @_;
  while (length($data) > 0) {
    my $n = syswrite($fh, $data);
    if (!defined $n) { next if $!{EINTR}; return 0 }
    substr($data, 0, $n, '');
  }
  return 1;
}

# Our parent is gone: so are the tasks we forked (their groups with them).
sub quit {
  for my $pid (keys %children) { kill('KILL', -$pid); kill('KILL', $pid) }
  exit 0;
}

sub report { write_all(\*STDOUT, $_[0]) or quit() }

sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $id = delete $children{$pid};
    next unless defined $id;
    my $w = delete $control{$id};
    close($w) if $w;
    report("exit $id $?\n");
  }
}

sub child {
  my ($r, $cwd, $out, $err, $uid, $gid, $argv0, $env, $args) = @_;
  close($_) for values %control;
  # Ignored signals would survive the exec into the task.
  $SIG{PIPE} = 'DEFAULT';
  $SIG{CHLD} = 'DEFAULT';
  POSIX::setsid();
  my $fail = sub { print STDERR "$_[0]\n"; POSIX::_exit(1) };
  open(my $null, '<', '/dev/null') or $fail->("Failed to open /dev/null: $!");
  open(my $o, '>>', $out) or $fail->("Failed to open '$out': $!");
  open(my $e, '>>', $err) or $fail->("Failed to open '$err': $!");
  POSIX::dup2(fileno($null), 0);
  POSIX::dup2(fileno($o), 1);
  POSIX::dup2(fileno($e), 2);
  # Closed before the control pipe moves to fd 3, which one of them may hold.
  close($_) for ($null, $o, $e);
  if (fileno($r) != 3) { POSIX::dup2(fileno($r), 3); close($r) }
  chdir($cwd) or $fail->("Failed to chdir into '$cwd': $!");
  %ENV = ();
  for my $entry (@$env) {
    my $eq = index($entry, '=');
    $ENV{substr($entry, 0, $eq)} = substr($entry, $eq + 1) if $eq > 0;
  }
  if ($gid ne '') { $) = "$gid $gid"; $( = $gid; POSIX::setgid($gid) or $fail->("Failed to switch to gid $gid: $!") }
  if ($uid ne '') { POSIX::setuid($uid) or $fail->("Failed to switch to uid $uid: $!") }
  $0 = $argv0;
  @ARGV = @$args;
  $helper->();
  POSIX::_exit(1);
}

sub spawn_task {
  my ($id, $payload) = @_;
  my @f = split(/\0/, $payload, -1);
  my ($cwd, $out, $err, $uid, $gid, $argv0, $count) = splice(@f, 0, 7);
  my @env = splice(@f, 0, $count);
  my ($r, $w);
  unless (pipe($r, $w)) { report("failed $id Failed to create a pipe: $!\n"); return }
  my $pid = fork();
  unless (defined $pid) { close($r); close($w); report("failed $id Failed to fork: $!\n"); return }
  if ($pid == 0) { close($w); child($r, $cwd, $out, $err, $uid, $gid, $argv0, \@env, \@f) }
  close($r);
  $children{$pid} = $id;
  $control{$id} = $w;
  report("forked $id $pid\n");
}

sub go {
  my $w = delete $control{$_[0]};
  return unless $w;
  write_all($w, "\n");
  close($w);
}

while (1) {
  reap();
  my $rin = '';
  vec($rin, fileno(STDIN), 1) = 1;
  my $n = select(my $rout = $rin, undef, undef, %children ? 0.02 : undef);
  next if $n <= 0;
  my $got = sysread(STDIN, my $chunk, 1 << 20);
  if (!defined $got) { next if $!{EINTR}; last }
  last if $got == 0;
  $buffer .= $chunk;
  while (1) {
    if ($buffer =~ /\Ago (\d+)\n/) { my $id = $1; substr($buffer, 0, $+[0], ''); go($id); next }
    if ($buffer =~ /\Aspawn (\d+) (\d+)\n/) {
      my ($id, $len, $head) = ($1, $2, $+[0]);
      last if length($buffer) < $head + $len;
      my $payload = substr($buffer, $head, $len);
      substr($buffer, 0, $head + $len, '');
      spawn_task($id, $payload);
      next;
    }
    die "Bad request to the launch forker\n" if $buffer =~ /\n/;
    last;
  }
}
quit();
`;

export interface ForkRequest {
  /** Working directory (the sandbox). */
  cwd: string;
  /** Files the helper's stdout and stderr are appended to. */
  stdout: string;
  stderr: string;
  /** What launch-helper.ts's helperInvocation() returned for the task. */
  invocation: HelperInvocation;
  /** The helper's process name until it execs. */
  argv0: string;
}

export interface ForkedHelper {
  readonly pid: number;
  /** The wait status once the helper (the task, after exec) has exited. */
  readonly exited: Promise<number>;
  /** Lets the blocked helper go on. */
  go(): void;
}

interface Entry {
  forked: (pid: number) => void;
  failed: (error: Error) => void;
  exit: (status: number) => void;
  pid?: number;
}

/** A running forker. Start it with LaunchForker.start(); it is gone after close(). */
export class LaunchForker {
  private readonly process: ChildProcess;
  private readonly input: Writable;
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;
  private buffered = '';
  private alive = true;
  /** Why the forker is gone, once it is. */
  private reason = '';

  private constructor(private readonly onGone: (reason: string) => void) {
    this.process = spawn(HELPER_PROGRAM, ['-e', FORKER_SCRIPT], {
      argv0: 'mesos-launch-forker',
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { PERL_BADLANG: '0', PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    });
    this.input = this.process.stdin as Writable;
    this.input.on('error', () => undefined);
    (this.process.stdout as Readable).setEncoding('utf8').on('data', (chunk: string) => this.data(chunk));
    this.process.once('error', (error) => this.gone(`failed to start: ${error.message}`));
    this.process.once('exit', (code, signal) => this.gone(signal !== null ? `terminated with ${signal}` : `exited with status ${code ?? 0}`));
  }

  /** Starts a forker; `onGone` is called once if it dies (not after close()). */
  static start(onGone: (reason: string) => void = () => undefined): LaunchForker {
    return new LaunchForker(onGone);
  }

  get running(): boolean {
    return this.alive;
  }

  /** The forker's OS pid. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Forks a launch helper, blocked until go(); rejects when it cannot be forked. */
  fork(request: ForkRequest): Promise<ForkedHelper> {
    if (!this.alive) return Promise.reject(new Error(`The launch forker ${this.reason}`));
    const { invocation } = request;
    const prefix = invocation.args.slice(0, HELPER_PREFIX.length);
    if (invocation.file !== HELPER_PROGRAM || prefix.some((arg, i) => arg !== HELPER_PREFIX[i])) {
      return Promise.reject(new Error('Not a launch helper invocation'));
    }
    const env = Object.entries(invocation.env).map(([name, value]) => `${name}=${value}`);
    const fields = [
      request.cwd,
      request.stdout,
      request.stderr,
      invocation.uid !== undefined ? String(invocation.uid) : '',
      invocation.gid !== undefined ? String(invocation.gid) : '',
      request.argv0,
      String(env.length),
      ...env,
      ...invocation.args.slice(HELPER_PREFIX.length),
    ];
    if (fields.some((field) => field.includes('\0'))) {
      return Promise.reject(new Error('Arguments, environment and paths may not contain NUL characters'));
    }
    const payload = Buffer.from(fields.join('\0'), 'utf8');
    const id = this.nextId++;
    let exit!: (status: number) => void;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    return new Promise<ForkedHelper>((resolve, reject) => {
      this.entries.set(id, {
        forked: (pid) => resolve({ pid, exited, go: () => this.go(id) }),
        failed: reject,
        exit,
      });
      this.input.write(`spawn ${id} ${payload.length}\n`);
      this.input.write(payload);
    });
  }

  /** Stops the forker: it SIGKILLs the process groups of its children still running. */
  close(): void {
    this.alive = false;
    this.reason = 'was closed';
    this.input.end();
  }

  private go(id: number): void {
    if (this.alive && this.entries.has(id)) this.input.write(`go ${id}\n`);
  }

  private data(chunk: string): void {
    this.buffered += chunk;
    let newline = this.buffered.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      this.line(line);
      newline = this.buffered.indexOf('\n');
    }
  }

  private line(line: string): void {
    const match = /^(forked|failed|exit) (\d+) (.*)$/.exec(line);
    const entry = match !== null ? this.entries.get(Number(match[2])) : undefined;
    if (match === null || entry === undefined) return;
    const [, kind, id, rest] = match;
    if (kind === 'forked') {
      entry.pid = Number(rest);
      entry.forked(entry.pid);
    } else if (kind === 'failed') {
      this.entries.delete(Number(id));
      entry.failed(new Error(rest));
    } else {
      this.entries.delete(Number(id));
      entry.exit(Number(rest));
    }
  }

  private gone(reason: string): void {
    if (this.reason === '' || this.alive) this.reason = reason;
    const unexpected = this.alive;
    this.alive = false;
    // Its children are orphans now: nobody can tell when they exit, so they are killed.
    for (const [id, entry] of this.entries) {
      this.entries.delete(id);
      if (entry.pid === undefined) {
        entry.failed(new Error(`The launch forker ${reason}`));
        continue;
      }
      killtree(entry.pid, 'SIGKILL', { groups: true, sessions: true });
      entry.exit(9);
    }
    if (unexpected) this.onGone(reason);
  }
}
