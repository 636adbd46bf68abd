// Identifier generation as in Mesos 1.0's master (src/master/master.cpp):
// the master id is a random UUID; frameworks are `<master-id>-NNNN` (four
// digits, zero padded), agents `<master-id>-S<N>`, offers `<master-id>-O<N>`.

import { randomUUID } from 'node:crypto';

export class MasterIds {
  private nextFramework = 0;
  private nextAgent = 0;
  private nextOffer = 0;

  constructor(readonly masterId: string = randomUUID()) {}

  framework(): string {
    return `${this.masterId}-${String(this.nextFramework++).padStart(4, '0')}`;
  }

  agent(): string {
    return `${this.masterId}-S${this.nextAgent++}`;
  }

  offer(): string {
    return `${this.masterId}-O${this.nextOffer++}`;
  }
}
