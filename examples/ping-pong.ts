// A small libprocess demo (what `npm start` runs until the local cluster
// lands): two processes exchange ping/pong messages over the runtime, and the
// runtime's built-in endpoints are served on one port.
//
//   npm start                    # serves on 127.0.0.1:5050 (LIBPROCESS_PORT to change)
//   curl localhost:5050/metrics/snapshot
//   curl localhost:5050/__processes__
//   curl localhost:5050/pong/stats

import { Process, http, startRuntime, type UPID } from '../libprocess/index.js';

class Pong extends Process {
  private pings = 0;
  constructor() {
    super('pong');
  }
  protected override initialize(): void {
    this.install('ping', (from, body) => {
      this.pings++;
      this.send(from, 'pong', body);
    });
    this.route('/stats', () => http.okJSON(JSON.stringify({ pings: this.pings })));
  }
}

class Ping extends Process {
  constructor(private readonly peer: UPID) {
    super('ping');
  }
  protected override initialize(): void {
    this.install('pong', () => {
      this.delay(1000, () => this.send(this.peer, 'ping', Buffer.from('hello')));
    });
    this.send(this.peer, 'ping', Buffer.from('hello'));
  }
}

const runtime = await startRuntime({
  ip: process.env['LIBPROCESS_IP'] ?? '127.0.0.1',
  port: Number(process.env['LIBPROCESS_PORT'] ?? 5050),
});
const pong = runtime.spawn(new Pong());
runtime.spawn(new Ping(pong));
const base = `http://${runtime.host}:${runtime.port}`;
process.stdout.write(
  `libprocess runtime up at ${runtime.address}\n` +
    `  ${base}/pong/stats\n  ${base}/metrics/snapshot\n  ${base}/__processes__\n`,
);
const stop = (): void => {
  void runtime.shutdown().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
