// Driving POST /api/v1/scheduler with plain curl, as docs/scheduler-http-api.md
// shows: a SUBSCRIBE kept open with --no-buffer whose RecordIO records we read
// from curl's output, then DECLINE / ACCEPT / ACKNOWLEDGE / TEARDOWN as separate
// curl requests carrying the Mesos-Stream-Id. Real master, agent and executor.

import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import test from 'ava';
import { RecordIODecoder } from '../../proto/index.js';
import { USER, world } from './scheduler-world.js';

const HAS_CURL = spawnSync('curl', ['--version']).error === undefined;
if (!HAS_CURL) console.warn('scheduler-curl: skipped because curl is not installed');
const curlTest = HAS_CURL ? test : test.skip;

type Json = Record<string, unknown>;

/** A `curl --no-buffer -i` SUBSCRIBE: the response head and the decoded JSON records as they arrive. */
class CurlStream {
  readonly child: ChildProcess;
  status = 0;
  readonly headers = new Map<string, string>();
  readonly events: Json[] = [];
  private head = Buffer.alloc(0);
  private inBody = false;
  private readonly decoder = new RecordIODecoder();
  private wake: (() => void) | undefined;
  readonly exited: Promise<number | null>;

  constructor(url: string, body: string) {
    this.child = spawn('curl', ['-sS', '--no-buffer', '-i', '-X', 'POST', '-H', 'Content-Type: application/json', '-H', 'Accept: application/json', '--data', body, url]);
    this.child.stdout?.on('data', (chunk: Buffer) => this.feed(chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => {
      resolve(code);
      this.wake?.();
    }));
  }

  private feed(chunk: Buffer): void {
    if (!this.inBody) {
      this.head = Buffer.concat([this.head, chunk]);
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = this.head.subarray(0, end).toString('latin1').split('\r\n');
      this.status = Number(lines[0]?.split(' ')[1]);
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        this.headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      this.inBody = true;
      chunk = this.head.subarray(end + 4);
    }
    for (const record of this.decoder.decode(chunk)) this.events.push(JSON.parse(Buffer.from(record).toString('utf8')) as Json);
    this.wake?.();
  }

  /** The next event of `type` not taken yet (earlier ones of other types are skipped). */
  async next(type: string, timeoutMs = 20_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex((e) => e['type'] === type);
      if (index >= 0) return this.events.splice(0, index + 1)[index] as Json;
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`no ${type} event from curl`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  }
}

/** One `curl -i` POST; the status code and body. */
function curlPost(url: string, body: string, streamId: string | undefined): Promise<{ status: number; body: string }> {
  const headers = ['-H', 'Content-Type: application/json'];
  if (streamId !== undefined) headers.push('-H', `Mesos-Stream-Id: ${streamId}`);
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-i', '-X', 'POST', ...headers, '--data', body, url], (error, stdout) => {
      if (error !== null) return reject(error);
      const end = stdout.indexOf('\r\n\r\n');
      resolve({ status: Number(stdout.split(' ')[1]), body: stdout.slice(end + 4) });
    });
  });
}

const at = (value: unknown, ...path: (string | number)[]): unknown => {
  let current = value;
  for (const step of path) current = (current as Record<string | number, unknown> | undefined)?.[step];
  return current;
};

curlTest('curl: SUBSCRIBE with --no-buffer, then DECLINE, ACCEPT, ACKNOWLEDGE and TEARDOWN with the stream id', async (t) => {
  const w = await world();
  const url = `http://${w.address}/api/v1/scheduler`;
  const subscribe = new CurlStream(
    url,
    `{"type": "SUBSCRIBE", "subscribe": {"framework_info": {"user": "${USER}", "name": "Example HTTP Framework"}}}`,
  );
  try {
    const subscribed = await subscribe.next('SUBSCRIBED');
    t.is(subscribe.status, 200);
    t.is(subscribe.headers.get('content-type'), 'application/json');
    t.is(subscribe.headers.get('transfer-encoding'), 'chunked');
    const streamId = subscribe.headers.get('mesos-stream-id') ?? '';
    t.regex(streamId, /^[0-9a-f-]{36}$/);
    const frameworkId = at(subscribed, 'subscribed', 'framework_id', 'value') as string;
    t.is(at(subscribed, 'subscribed', 'heartbeat_interval_seconds'), 15);
    await subscribe.next('HEARTBEAT');

    // DECLINE the first offer; it comes back with the next allocation.
    const first = await subscribe.next('OFFERS');
    const offerId = at(first, 'offers', 'offers', 0, 'id', 'value') as string;
    const agentId = at(first, 'offers', 'offers', 0, 'agent_id', 'value') as string;
    t.is(agentId, w.agent?.id ?? '');
    const declined = await curlPost(
      url,
      `{"framework_id": {"value": "${frameworkId}"}, "type": "DECLINE", "decline": {"offer_ids": [{"value": "${offerId}"}], "filters": {"refuse_seconds": 0.0}}}`,
      streamId,
    );
    t.deepEqual(declined, { status: 202, body: '' });

    // Without the stream id the master refuses the call.
    const refused = await curlPost(url, `{"framework_id": {"value": "${frameworkId}"}, "type": "REVIVE"}`, undefined);
    t.deepEqual(refused, { status: 400, body: "All non-subscribe calls should include the 'Mesos-Stream-Id' header" });

    const second = await subscribe.next('OFFERS');
    const accepted = await curlPost(
      url,
      JSON.stringify({
        framework_id: { value: frameworkId },
        type: 'ACCEPT',
        accept: {
          offer_ids: [at(second, 'offers', 'offers', 0, 'id')],
          operations: [
            {
              type: 'LAUNCH',
              launch: {
                task_infos: [
                  {
                    name: 'curl-task',
                    task_id: { value: 'curl-task' },
                    agent_id: { value: agentId },
                    resources: [
                      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
                      { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
                    ],
                    command: { value: 'echo hello from curl' },
                  },
                ],
              },
            },
          ],
          filters: { refuse_seconds: 5.0 },
        },
      }),
      streamId,
    );
    t.deepEqual(accepted, { status: 202, body: '' });

    for (const state of ['TASK_RUNNING', 'TASK_FINISHED']) {
      const update = await subscribe.next('UPDATE');
      t.is(at(update, 'update', 'status', 'state'), state);
      const uuid = at(update, 'update', 'status', 'uuid') as string;
      t.regex(uuid, /^[A-Za-z0-9+/]+=*$/, 'uuid as base64');
      const ack = await curlPost(
        url,
        `{"framework_id": {"value": "${frameworkId}"}, "type": "ACKNOWLEDGE", "acknowledge": {"agent_id": {"value": "${agentId}"}, "task_id": {"value": "curl-task"}, "uuid": "${uuid}"}}`,
        streamId,
      );
      t.is(ack.status, 202);
    }

    const teardown = await curlPost(url, `{"framework_id": {"value": "${frameworkId}"}, "type": "TEARDOWN"}`, streamId);
    t.is(teardown.status, 202);
    t.is(await subscribe.exited, 0, 'the master ends the stream; curl exits cleanly');
    t.is(w.master.master.state.frameworks.size, 0);
  } finally {
    subscribe.child.kill();
    await w.stop();
  }
});
