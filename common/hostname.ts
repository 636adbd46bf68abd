// The hostname a daemon reports when --hostname is not given: a reverse
// lookup of the address it is bound to (net::getHostname in stout), falling
// back to the address itself (also used with --no-hostname_lookup).

import dns from 'node:dns/promises';

export async function hostnameFor(ip: string, lookup: boolean): Promise<string> {
  if (!lookup) return ip;
  try {
    const names = await dns.reverse(ip);
    return names[0] ?? ip;
  } catch {
    return ip;
  }
}
