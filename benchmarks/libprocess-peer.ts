// The remote side of the libprocess benchmarks, run as its own OS process:
//   sink <expected>          counts 'data' messages, answers 'done' after <expected>
//   decoded-sink <expected>  the same, decoding each body as a protobuf message
//   echo                     answers every 'ping' with a 'pong' carrying the same body
// Prints `PID <upid>` once ready.

import { Process, startRuntime, type UPID } from '../libprocess/index.js';
import { mesos } from '../proto/index.js';

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

class Sink extends Process {
  private count = 0;
  constructor(
    private readonly expected: number,
    private readonly decode: boolean,
  ) {
    super('sink');
  }
  protected override initialize(): void {
    if (this.decode) {
      this.install(mesos.internal.FrameworkToExecutorMessage, (from, message) => {
        if (message.data.length > 0) this.got(from);
      });
    } else {
      this.install('data', (from) => this.got(from));
    }
  }
  private got(from: UPID): void {
    if (++this.count === this.expected) {
      this.send(from, 'done');
      this.count = 0;
    }
  }
}

class Echo extends Process {
  constructor() {
    super('echo');
  }
  protected override initialize(): void {
    this.install('ping', (from, body) => this.send(from, 'pong', body));
  }
}

const [role, arg] = process.argv.slice(2);
const runtime = await startRuntime({ ip: '127.0.0.1', port: 0 });
const pid =
  role === 'echo'
    ? runtime.spawn(new Echo())
    : runtime.spawn(new Sink(Number(arg ?? '0'), role === 'decoded-sink'));
process.stdout.write(`PID ${pid.toString()}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
