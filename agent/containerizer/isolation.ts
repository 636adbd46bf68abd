// From `--isolation` to isolator instances, following MesosContainerizer::create in Mesos
// 1.0 (src/slave/containerizer/mesos/containerizer.cpp):
//
// - `process` is the deprecated spelling of `posix/cpu,posix/mem`, `cgroups` of
//   `cgroups/cpu,cgroups/mem`;
// - `filesystem/posix` is added when no `filesystem/*` isolator is named, and the
//   filesystem isolator always runs first;
// - on Linux, `network/cni` is added when no `network/*` isolator is named;
// - `posix/disk` is the old name of `disk/du` and may not be combined with it;
// - duplicates are refused; otherwise isolators run in the order given.
//
// Isolators are plug-ins: `IsolatorRegistry` maps a name to a factory, so cgroups and the
// others can be added without touching the containerizer. Names Mesos knows but this
// build does not implement are refused with that reason.

import type { Isolator } from './isolator.js';
import { PosixFilesystemIsolator } from './isolators/filesystem-posix.js';
import { HostNetworkCniIsolator } from './isolators/network-cni.js';
import { PosixCpuIsolator, PosixMemIsolator } from './isolators/posix.js';

/** The flags isolator factories may read. */
export interface IsolationFlags {
  isolation: string;
  work_dir: string;
  network_cni_plugins_dir?: string | undefined;
  network_cni_config_dir?: string | undefined;
}

export type IsolatorFactory = (flags: IsolationFlags) => Isolator;

export class IsolationError extends Error {
  constructor(
    message: string,
    /** The --isolation value as given. */
    readonly flagValue: string,
  ) {
    super(`${message} (--isolation=${flagValue})`);
    this.name = 'IsolationError';
  }
}

/** Isolators of Mesos 1.0 (Linux) that this build does not have. */
const NOT_IMPLEMENTED: ReadonlySet<string> = new Set([
  'filesystem/linux',
  'filesystem/shared',
  'disk/du',
  'posix/disk',
  'disk/xfs',
  'cgroups/cpu',
  'cgroups/devices',
  'cgroups/mem',
  'cgroups/net_cls',
  'cgroups/perf_event',
  'docker/runtime',
  'docker/volume',
  'gpu/nvidia',
  'namespaces/pid',
  'network/port_mapping',
]);

export class IsolatorRegistry {
  private readonly factories = new Map<string, IsolatorFactory>();

  register(name: string, factory: IsolatorFactory): this {
    this.factories.set(name, factory);
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  create(name: string, flags: IsolationFlags): Isolator {
    const factory = this.factories.get(name);
    if (!factory) {
      throw new Error(
        NOT_IMPLEMENTED.has(name) ? 'Not supported by this build' : 'Unknown or unsupported isolator',
      );
    }
    return factory(flags);
  }
}

/** The isolators this build provides. */
export function defaultIsolatorRegistry(): IsolatorRegistry {
  return new IsolatorRegistry()
    .register('filesystem/posix', (flags) => new PosixFilesystemIsolator(flags.work_dir))
    .register('posix/cpu', () => new PosixCpuIsolator())
    .register('posix/mem', () => new PosixMemIsolator())
    .register('network/cni', (flags) => HostNetworkCniIsolator.create(flags));
}

/**
 * The --isolation value after Mesos's rewrites (deprecated aliases, implied filesystem and
 * network isolators), as a list of names. Throws IsolationError for duplicates and for
 * `posix/disk` together with `disk/du`.
 */
export function resolveIsolation(isolation: string, platform: NodeJS.Platform = process.platform): string[] {
  let value = isolation;
  if (value === 'process') value = 'posix/cpu,posix/mem';
  else if (value === 'cgroups') value = 'cgroups/cpu,cgroups/mem';
  if (!value.includes('filesystem/')) value += ',filesystem/posix';
  if (value.includes('posix/disk') && value.includes('disk/du')) {
    throw new IsolationError("Using 'posix/disk' and 'disk/du' simultaneously is disallowed", isolation);
  }
  if (platform === 'linux' && !value.includes('network/')) value += ',network/cni';

  const names = value.split(',').filter((n) => n !== '');
  if (new Set(names).size !== names.length) {
    throw new IsolationError(`Duplicate entries found in --isolation flag '[ ${names.join(', ')} ]'`, isolation);
  }
  return names;
}

/**
 * Creates the isolators --isolation asks for, filesystem isolator first. Throws
 * IsolationError naming the isolator and the flag value when one cannot be created.
 */
export function createIsolators(
  flags: IsolationFlags,
  registry: IsolatorRegistry = defaultIsolatorRegistry(),
  platform: NodeJS.Platform = process.platform,
): Isolator[] {
  const isolators: Isolator[] = [];
  for (const name of resolveIsolation(flags.isolation, platform)) {
    let isolator: Isolator;
    try {
      isolator = registry.create(name, flags);
    } catch (error) {
      throw new IsolationError(`Failed to create isolator '${name}': ${(error as Error).message}`, flags.isolation);
    }
    if (name.includes('filesystem/')) isolators.unshift(isolator);
    else isolators.push(isolator);
  }
  return isolators;
}
