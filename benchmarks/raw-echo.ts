// Baseline for the round-trip figures: plain Node sockets, no runtime. The
// echo side (this file run as a process) listens, and for every chunk it reads
// writes the same bytes back on its own outbound connection to the pinger,
// the topology libprocess peers use (each side sends on a connection it opened).

import net from 'node:net';

const server = net.createServer({ noDelay: true }, (inbound) => {
  let outbound: net.Socket | undefined;
  inbound.on('data', (chunk: Buffer) => {
    if (outbound === undefined) {
      // The first 2 bytes carry the pinger's listening port.
      const port = chunk.readUInt16BE(0);
      outbound = net.connect({ host: '127.0.0.1', port, noDelay: true });
      return;
    }
    outbound.write(chunk);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`PID ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
