// The client side of CRAM-MD5 authentication with the master
// (src/authentication/cram_md5/authenticatee.cpp, which drives Cyrus SASL):
//
//   -> AuthenticateMessage { pid: <the scheduler's pid> }
//   <- AuthenticationMechanismsMessage { mechanisms }
//   -> AuthenticationStartMessage { mechanism: "CRAM-MD5", data: "" }
//   <- AuthenticationStepMessage { data: <challenge> }
//   -> AuthenticationStepMessage { data: "<principal> <hex HMAC-MD5(secret, challenge)>" }
//   <- AuthenticationCompletedMessage | AuthenticationFailedMessage | AuthenticationErrorMessage
//
// The outcome is an AuthenticationAttempt the scheduler process owns: true
// (authenticated), false (refused), or a failure (error, timeout, discard).

import { createHmac } from 'node:crypto';
import { Process, type UPID } from '../libprocess/index.js';
import { mesos } from '../proto/index.js';
import type { CredentialInput } from './types.js';

const MECHANISM = 'CRAM-MD5';

export type AttemptResult = { ok: true; value: boolean } | { ok: false; error: string };

/** One authentication attempt: settled once, by the authenticatee or by a discard. */
export class AuthenticationAttempt {
  private settled: AttemptResult | undefined;
  private resolve: (result: AttemptResult) => void = () => undefined;
  readonly result = new Promise<AttemptResult>((resolve) => {
    this.resolve = resolve;
  });

  get done(): boolean {
    return this.settled !== undefined;
  }

  settle(result: AttemptResult): void {
    if (this.settled !== undefined) return;
    this.settled = result;
    this.resolve(result);
  }

  /** Future::discard: fails a pending attempt; true when it was still pending. */
  discard(): boolean {
    if (this.done) return false;
    this.settle({ ok: false, error: 'Authentication discarded' });
    return true;
  }
}

/** `response` for a CRAM-MD5 challenge (RFC 2195): `user hex(HMAC-MD5(secret, challenge))`. */
export function cramMd5Response(principal: string, secret: Uint8Array | string, challenge: Uint8Array): string {
  const digest = createHmac('md5', typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret))
    .update(challenge)
    .digest('hex');
  return `${principal} ${digest}`;
}

type State = 'STARTING' | 'STEPPING' | 'COMPLETED' | 'FAILED' | 'ERROR';

export class CramMD5Authenticatee extends Process {
  private state: State = 'STARTING';

  constructor(
    private readonly master: UPID,
    private readonly client: UPID,
    private readonly credential: CredentialInput,
    readonly attempt: AuthenticationAttempt,
  ) {
    super('crammd5_authenticatee()');
  }

  protected override initialize(): void {
    const m = mesos.internal;
    this.install(m.AuthenticationMechanismsMessage, (from, msg) => this.mechanisms(from, msg.mechanisms));
    this.install(m.AuthenticationStepMessage, (from, msg) => this.step(from, msg.data));
    this.install(m.AuthenticationCompletedMessage, () => this.completed());
    this.install(m.AuthenticationFailedMessage, () => this.finish('FAILED', { ok: true, value: false }));
    this.install(m.AuthenticationErrorMessage, (_from, msg) =>
      this.finish('ERROR', { ok: false, error: `Authentication error: ${msg.error}` }),
    );
    this.sendProto(this.master, m.AuthenticateMessage, { pid: this.client.toString() });
  }

  protected override finalize(): void {
    this.attempt.discard();
  }

  private finish(state: State, result: AttemptResult): void {
    this.state = state;
    this.attempt.settle(result);
  }

  private mechanisms(from: UPID, mechanisms: string[]): void {
    if (this.state !== 'STARTING') {
      this.finish('ERROR', { ok: false, error: "Unexpected authentication 'mechanisms' received" });
      return;
    }
    this.runtime.log.info({ mechanisms: mechanisms.join(',') }, 'Received SASL authentication mechanisms');
    if (!mechanisms.includes(MECHANISM)) {
      this.finish('ERROR', { ok: false, error: 'Failed to start the SASL client: No worthy mechs found' });
      return;
    }
    this.runtime.log.info(`Attempting to authenticate with mechanism '${MECHANISM}'`);
    this.sendProto(from, mesos.internal.AuthenticationStartMessage, { mechanism: MECHANISM, data: new Uint8Array() });
    this.state = 'STEPPING';
  }

  private step(from: UPID, challenge: Uint8Array): void {
    if (this.state !== 'STEPPING') {
      this.finish('ERROR', { ok: false, error: "Unexpected authentication 'step' received" });
      return;
    }
    const response = cramMd5Response(this.credential.principal, this.credential.secret ?? '', challenge);
    this.sendProto(from, mesos.internal.AuthenticationStepMessage, { data: Buffer.from(response, 'utf8') });
  }

  private completed(): void {
    if (this.state !== 'STEPPING') {
      this.finish('ERROR', { ok: false, error: "Unexpected authentication 'completed' received" });
      return;
    }
    this.runtime.log.info('Authentication success');
    this.finish('COMPLETED', { ok: true, value: true });
  }
}
