// UPID: the address of a process, `id@host:port` (3rdparty/libprocess/src/pid.cpp).

export class InvalidUPIDError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`Invalid UPID '${input}': ${reason}`);
    this.name = 'InvalidUPIDError';
  }
}

const HOST_RE = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*)$/;

function validHost(host: string): boolean {
  if (!HOST_RE.test(host)) return false;
  if (/^\d+(?:\.\d+){3}$/.test(host)) {
    return host.split('.').every((octet) => Number(octet) <= 255);
  }
  return true;
}

export class UPID {
  private text: string | undefined;
  /** `host:port`: the key for transport connections. */
  readonly address: string;
  /** @internal the runtime that last found this pid local, or NOT_LOCAL */
  _localTo: object | undefined;

  constructor(
    readonly id: string,
    readonly host: string,
    readonly port: number,
  ) {
    this.address = `${host}:${port}`;
  }

  toString(): string {
    return (this.text ??= `${this.id}@${this.host}:${this.port}`);
  }

  toJSON(): string {
    return this.toString();
  }

  equals(other: UPID): boolean {
    return this.id === other.id && this.host === other.host && this.port === other.port;
  }

  withId(id: string): UPID {
    return new UPID(id, this.host, this.port);
  }

  /**
   * Parses `id@host:port`. Like libprocess the id is everything before the
   * first '@' and the host everything up to the next ':'. Unlike libprocess,
   * which reads the port with sscanf and ignores trailing bytes, the port
   * must be all digits.
   */
  static parse(input: string): UPID {
    const text = input.trim();
    const at = text.indexOf('@');
    if (at < 0) throw new InvalidUPIDError(input, "missing '@'");
    const id = text.slice(0, at);
    const rest = text.slice(at + 1);
    const colon = rest.lastIndexOf(':');
    if (colon < 0) throw new InvalidUPIDError(input, "missing ':port'");
    const host = rest.slice(0, colon);
    const portText = rest.slice(colon + 1);
    if (!validHost(host)) throw new InvalidUPIDError(input, `bad host '${host}'`);
    if (!/^\d{1,5}$/.test(portText)) throw new InvalidUPIDError(input, `bad port '${portText}'`);
    const port = Number(portText);
    if (port > 65535) throw new InvalidUPIDError(input, `port ${port} out of range`);
    if (/\s/.test(id)) throw new InvalidUPIDError(input, 'id contains whitespace');
    return new UPID(id, host, port);
  }

  static tryParse(input: string): UPID | undefined {
    try {
      return UPID.parse(input);
    } catch {
      return undefined;
    }
  }
}

/** Generates process ids shaped `prefix(N)`, counting per prefix (libprocess ID::generate). */
export class IdGenerator {
  private readonly counters = new Map<string, number>();

  generate(prefix = ''): string {
    const next = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, next);
    return `${prefix}(${next})`;
  }
}
