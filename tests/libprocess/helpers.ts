// Small test processes shared by the libprocess tests.

import { Process, UPID, type Request, type Response } from '../../libprocess/index.js';

export interface Received {
  from: string;
  name: string;
  body: string;
}

/** Records every message it gets under the installed names. */
export class Recorder extends Process {
  readonly received: Received[] = [];
  readonly exits: string[] = [];
  initialized = false;
  finalized = false;

  constructor(
    id: string,
    private readonly names: readonly string[] = ['ping', 'pong', 'data'],
  ) {
    super(id);
  }

  protected override initialize(): void {
    this.initialized = true;
    for (const name of this.names) {
      this.install(name, (from, body) => this.received.push({ from: from.toString(), name, body: body.toString() }));
    }
  }

  protected override finalize(): void {
    this.finalized = true;
  }

  protected override exited(pid: UPID): void {
    this.exits.push(pid.toString());
  }

  watch(pid: UPID): void {
    this.link(pid);
  }

  addRoute(path: string, handler: (request: Request) => Response | Promise<Response>): void {
    this.route(path, handler);
  }
}

export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
