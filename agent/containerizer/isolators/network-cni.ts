// `network/cni` without CNI support (Mesos 1.0 adds this isolator on Linux when --isolation
// names no network isolator). With neither --network_cni_plugins_dir nor
// --network_cni_config_dir, Mesos's isolator knows no networks: containers join the host
// network and a container naming a network is refused. That is all this build does;
// configuring CNI networks is refused when the containerizer is created.

import { has } from '../../../proto/index.js';
import { IsolatorBase, type ContainerConfig, type ContainerLaunchInfo } from '../isolator.js';

export interface CniFlags {
  network_cni_plugins_dir?: string | undefined;
  network_cni_config_dir?: string | undefined;
}

export class HostNetworkCniIsolator extends IsolatorBase {
  readonly name = 'network/cni';

  static create(flags: CniFlags): HostNetworkCniIsolator {
    if (flags.network_cni_plugins_dir !== undefined || flags.network_cni_config_dir !== undefined) {
      throw new Error(
        'CNI networks (--network_cni_plugins_dir, --network_cni_config_dir) are not supported by this build',
      );
    }
    return new HostNetworkCniIsolator();
  }

  override prepare(_containerId: string, config: ContainerConfig): Promise<ContainerLaunchInfo | undefined> {
    const container = config.executor_info.container;
    if (!container) return Promise.resolve(undefined);
    // ContainerInfo.Type MESOS = 2.
    if ((container.type ?? 2) !== 2) {
      return Promise.reject(new Error('Can only prepare CNI networks for a MESOS container'));
    }
    for (const network of container.network_infos ?? []) {
      if (has(network, 'name')) {
        return Promise.reject(new Error(`Unknown CNI network '${network.name}'`));
      }
    }
    return Promise.resolve(undefined);
  }
}
