// Micro-benchmark of the generated protobuf codecs and the Mesos JSON renderer on a
// realistic StatusUpdateMessage (an executor's TASK_RUNNING update).
//
//   node --import tsx benchmarks/proto.ts
//
// Prints `BENCH proto.encode_status_update <n> ops/s`,
// `BENCH proto.decode_status_update <n> ops/s` and
// `BENCH proto.json_status_update <n> ops/s` (best of several short rounds, ~2 s total).

import { pathToFileURL } from 'node:url';

import { mesos, toJSONString } from '../proto/index.js';

const ROUNDS = 4;
const ROUND_SECONDS = 0.12;
const AGENT = '20161121-194800-16777343-5050-1234-S0';
const FRAMEWORK = '20161121-194800-16777343-5050-1234-0000';
const TASK = 'web.6f1c2d0e-b0a1-11e6-80f5-76304dec7eb7';

function statusUpdate(): mesos.internal.StatusUpdateMessage.$Properties {
  const uuid = Buffer.from('8e5c0f5c6a8b4bbb9e2b4f1f6d2c7a01', 'hex');
  return {
    update: {
      framework_id: { value: FRAMEWORK },
      executor_id: { value: TASK },
      slave_id: { value: AGENT },
      status: {
        task_id: { value: TASK },
        state: mesos.TaskState.TASK_RUNNING,
        source: mesos.TaskStatus.Source.SOURCE_EXECUTOR,
        slave_id: { value: AGENT },
        executor_id: { value: TASK },
        timestamp: 1479757680.123456,
        uuid,
        container_status: {
          network_infos: [{ ip_addresses: [{ protocol: mesos.NetworkInfo.Protocol.IPv4, ip_address: '172.17.0.3' }] }],
        },
      },
      timestamp: 1479757680.123456,
      uuid,
    },
    pid: 'slave(1)@10.0.0.5:5051',
  };
}

/** Best ops/s over ROUNDS rounds of about ROUND_SECONDS each. */
function measure(op: () => number): number {
  let best = 0;
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    let seconds = 0;
    while (seconds < ROUND_SECONDS) {
      for (let i = 0; i < 1000; i++) sink += op();
      ops += 1000;
      seconds = Number(process.hrtime.bigint() - start) / 1e9;
    }
    best = Math.max(best, ops / seconds);
  }
  if (sink === 0) throw new Error('benchmark did no work');
  return best;
}

export async function run(): Promise<void> {
  const message = mesos.internal.StatusUpdateMessage.create(statusUpdate());
  const bytes = mesos.internal.StatusUpdateMessage.encode(message).finish();
  const decoded = mesos.internal.StatusUpdateMessage.decode(bytes);

  const encode = measure(() => mesos.internal.StatusUpdateMessage.encode(message).finish().length);
  console.log(`BENCH proto.encode_status_update ${Math.round(encode)} ops/s`);
  const decode = measure(() => mesos.internal.StatusUpdateMessage.decode(bytes).update.status.state + 1);
  console.log(`BENCH proto.decode_status_update ${Math.round(decode)} ops/s`);
  const json = measure(() => toJSONString(mesos.internal.StatusUpdateMessage, decoded).length);
  console.log(`BENCH proto.json_status_update ${Math.round(json)} ops/s`);
  await Promise.resolve();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
