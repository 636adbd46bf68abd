// Shared benchmark helpers: figures are printed as `BENCH <name> <value> <unit>`.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function report(name: string, value: number, unit: string): void {
  const rounded = value >= 100 ? Math.round(value) : Number(value.toFixed(2));
  process.stdout.write(`BENCH ${name} ${rounded} ${unit}\n`);
}

export interface Peer {
  pid: string;
  child: ChildProcess;
  stop(): void;
}

/** Starts a TypeScript file as a separate OS process and waits for its `PID <upid>` line. */
export function startPeer(script: string, args: string[]): Promise<Peer> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, MESOS_TS_LOG_LEVEL: 'fatal' },
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /PID (\S+)\n/.exec(buffered);
      if (match?.[1] !== undefined) {
        resolve({
          pid: match[1],
          child,
          stop: () => {
            child.stdin?.end();
            child.kill();
          },
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

export function percentileOf(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.floor(p * sorted.length));
  return sorted[index] as number;
}
