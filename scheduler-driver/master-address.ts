// Finding the master from the driver's `master` string, as 1.0's
// MasterDetector::create does for a standalone master
// (src/master/detector/detector.cpp): `host:port`, `master@host:port`, or
// `file:///path` to a file holding one of those. The result is the leader's
// pid and a MasterInfo made from it (protobuf::createMasterInfo). There is no
// leader election to follow: a standalone detector reports this master once.

import dns from 'node:dns';
import fs from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { UPID } from '../libprocess/index.js';
import { mesos } from '../proto/index.js';

export interface DetectedMaster {
  pid: UPID;
  info: mesos.MasterInfo;
}

export type DetectResult = { ok: true; master: DetectedMaster } | { ok: false; error: string };

export interface DetectOptions {
  readFile?: (path: string) => Promise<string>;
  /** Host name to IPv4 (libprocess resolves UPID hosts with getaddrinfo). */
  resolve?: (host: string) => Promise<string>;
  /** IPv4 to host name for MasterInfo.hostname (net::getHostname); undefined when unknown. */
  reverse?: (ip: string) => Promise<string | undefined>;
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

async function resolveIPv4(host: string): Promise<string> {
  if (IPV4.test(host)) return host;
  const { address } = await dns.promises.lookup(host, { family: 4 });
  return address;
}

/** Waits at most this long for a reverse lookup (it only fills MasterInfo.hostname). */
const REVERSE_LOOKUP_TIMEOUT_MS = 2_000;

async function reverseLookup(ip: string): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), REVERSE_LOOKUP_TIMEOUT_MS);
    timer.unref();
  });
  const lookup = dns.promises.lookupService(ip, 0).then(
    (found) => found.hostname,
    () => undefined,
  );
  try {
    return await Promise.race([lookup, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `MasterDetector::create(url)`: an error text when the string names no master we can reach. */
export async function detectMaster(url: string, options: DetectOptions = {}): Promise<DetectResult> {
  const readFile = options.readFile ?? ((path: string) => fs.readFile(path, 'utf8'));
  let text = url;
  // 1.0 reads `file://` once and parses what it finds (another `file://` included).
  for (let depth = 0; text.startsWith('file://'); depth++) {
    const path = text.slice('file://'.length);
    if (depth >= 8) return { ok: false, error: `Failed to read from file at '${path}'` };
    try {
      text = (await readFile(path)).trim();
    } catch {
      return { ok: false, error: `Failed to read from file at '${path}'` };
    }
  }
  if (text.startsWith('zk://')) {
    return { ok: false, error: `ZooKeeper master detection ('${text}') is not supported by this build yet` };
  }
  if (text === 'local' || text === 'localquiet') {
    return { ok: false, error: `'${text}' (an in-process cluster) is not supported by this build yet` };
  }
  const parsed = UPID.tryParse(text.startsWith('master@') ? text : `master@${text}`);
  if (parsed === undefined || parsed.id !== 'master') return { ok: false, error: `Failed to parse '${text}'` };
  let ip: string;
  try {
    ip = await (options.resolve ?? resolveIPv4)(parsed.host);
  } catch {
    return { ok: false, error: `Failed to parse '${text}'` };
  }
  const pid = new UPID(parsed.id, ip, parsed.port);
  const hostname = await (options.reverse ?? reverseLookup)(ip);
  return { ok: true, master: { pid, info: createMasterInfo(pid, hostname) } };
}

/** protobuf::createMasterInfo(pid): what a standalone detector knows of its master. */
export function createMasterInfo(pid: UPID, hostname?: string): mesos.MasterInfo {
  const info = mesos.MasterInfo.create({
    id: `${pid.toString()}-${randomUUID()}`,
    ip: ipToNetworkOrder(pid.host),
    port: pid.port,
    pid: pid.toString(),
    address: { ip: pid.host, port: pid.port },
  });
  if (hostname !== undefined) {
    info.hostname = hostname;
    if (info.address) info.address.hostname = hostname;
  }
  return info;
}

/** MasterInfo.ip: `in_addr.s_addr` (network byte order) read as a host-order uint32. */
function ipToNetworkOrder(ip: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
  return ((d << 24) >>> 0) + (c << 16) + (b << 8) + a;
}
