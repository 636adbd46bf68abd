// One-way libprocess message stream: what a busy libprocess peer does to its persistent
// connection. Writes pre-encoded frames back to back on N connections for T seconds,
// honouring socket backpressure, and reads (and discards) whatever comes back, as C++
// libprocess does on its outbound sockets. Prints one JSON line: frames written, bytes read.
//
//   node --import tsx benchmarks/uws/blaster.ts <port> <conns> <seconds> <cxx16|cxx1k|go41>

import net from 'node:net';
import { cxxMessage, fromOnlyMessage } from './frames.js';

export type FrameKind = 'cxx16' | 'cxx1k' | 'go41';

export function frameOf(kind: FrameKind): Buffer {
  switch (kind) {
    case 'cxx16':
      return cxxMessage('master', 'mesos.internal.StatusUpdateMessage', 'slave(1)@127.0.0.1:5051', Buffer.alloc(16, 0x78));
    case 'cxx1k':
      return cxxMessage('master', 'mesos.internal.StatusUpdateMessage', 'slave(1)@127.0.0.1:5051', Buffer.alloc(1024, 0x78));
    case 'go41':
      return fromOnlyMessage('master', 'mesos.internal.RegisterFrameworkMessage', 'scheduler(1)@127.0.0.1:45209', Buffer.alloc(41, 0x78), '127.0.0.1:5050');
  }
}

async function main(): Promise<void> {
  const [portS, connsS, secondsS, kindS] = process.argv.slice(2);
  const port = Number(portS);
  const conns = Number(connsS ?? '1');
  const seconds = Number(secondsS ?? '5');
  const frame = frameOf((kindS ?? 'cxx16') as FrameKind);
  const perBatch = Math.max(1, Math.floor(64 * 1024 / frame.length));
  const batch = Buffer.concat(Array.from({ length: perBatch }, () => frame));

  let written = 0;
  let readBytes = 0;
  let closed = 0;
  let stop = false;
  const sockets: net.Socket[] = [];

  await Promise.all(Array.from({ length: conns }, () => new Promise<void>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => { resolve(); });
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => { readBytes += d.length; });
    s.on('error', (e) => { if (!stop) reject(e); });
    s.on('close', () => { closed++; });
    sockets.push(s);
  })));

  const pump = (s: net.Socket): void => {
    // Write until the socket asks us to wait; yield every few batches so reads still run.
    for (let i = 0; i < 8; i++) {
      if (stop || s.destroyed) return;
      written += perBatch;
      if (!s.write(batch)) { s.once('drain', () => { pump(s); }); return; }
    }
    setImmediate(() => { pump(s); });
  };
  for (const s of sockets) pump(s);

  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  await new Promise((r) => setTimeout(r, 200));
  for (const s of sockets) s.destroy();
  console.log(JSON.stringify({ written, readBytes, closedEarly: closed }));
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
