// `filesystem/posix` (src/slave/containerizer/mesos/isolators/filesystem/posix.cpp in Mesos
// 1.0): executors share the host filesystem. Containers asking for an image or for
// volumes are refused; persistent volumes among a container's resources appear as
// symlinks `<sandbox>/<container_path>` to the volume, owned like the sandbox.

import { lstat, realpath, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Resources } from '../../../common/resources.js';
import { getPersistentVolumePath } from '../../paths.js';
import { IsolatorBase, type ContainerConfig, type ContainerLaunchInfo, type ContainerState } from '../isolator.js';
import { chownIds } from '../user.js';

interface Info {
  readonly directory: string;
  resources: Resources;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

export class PosixFilesystemIsolator extends IsolatorBase {
  readonly name = 'filesystem/posix';
  private readonly infos = new Map<string, Info>();

  /** `workDir` is the agent's --work_dir (where persistent volumes live by default). */
  constructor(private readonly workDir: string) {
    super();
  }

  override recover(states: readonly ContainerState[], _orphans: ReadonlySet<string>): Promise<void> {
    for (const state of states) {
      this.infos.set(state.container_id.value, { directory: state.directory, resources: Resources.EMPTY });
    }
    return Promise.resolve();
  }

  override async prepare(containerId: string, config: ContainerConfig): Promise<ContainerLaunchInfo | undefined> {
    if (this.infos.has(containerId)) throw new Error('Container has already been prepared');
    const container = config.executor_info.container;
    if (container) {
      if (container.mesos?.image) throw new Error('Container root filesystems not supported');
      if ((container.volumes ?? []).length > 0) throw new Error('Volumes in ContainerInfo is not supported');
    }
    this.infos.set(containerId, { directory: config.directory, resources: Resources.EMPTY });
    await this.update(containerId, Resources.fromProto(config.executor_info.resources ?? []));
    return undefined;
  }

  override async update(containerId: string, resources: Resources): Promise<void> {
    const info = this.infos.get(containerId);
    if (!info) throw new Error('Unknown container');
    const current = info.resources;

    // Drop the links of volumes no longer used, then link the new ones. Only flat
    // container paths are linked (the master rejects others).
    for (const entry of current.persistentVolumes()) {
      const resource = entry.toProto();
      const containerPath = resource.disk?.volume?.container_path ?? '';
      if (containerPath.includes('/') || resources.contains(resource)) continue;
      const link = join(info.directory, containerPath);
      try {
        await rm(link, { force: true });
      } catch {
        throw new Error(`Failed to remove the symlink for the unneeded persistent volume at '${link}'`);
      }
    }

    for (const entry of resources.persistentVolumes()) {
      const resource = entry.toProto();
      const containerPath = resource.disk?.volume?.container_path ?? '';
      if (containerPath.includes('/') || current.contains(resource)) continue;
      const original = getPersistentVolumePath(this.workDir, resource);

      let owner: { uid: number; gid: number };
      try {
        owner = await stat(info.directory);
      } catch (error) {
        throw new Error(`Failed to get ownership for '${info.directory}': ${(error as Error).message}`);
      }
      try {
        await chownIds(owner.uid, owner.gid, original, false);
      } catch (error) {
        throw new Error(
          `Failed to change the ownership of the persistent volume at '${original}' with uid ${owner.uid} ` +
            `and gid ${owner.gid}: ${(error as Error).message}`,
        );
      }

      const link = join(info.directory, containerPath);
      if (await exists(link)) {
        // Recovery forgets the linked volumes; an existing link must point at the same volume.
        const [target, volume] = await Promise.all([realpath(link), realpath(original)]).catch((error: Error) => {
          throw new Error(`Failed to get the realpath of symlink '${link}': ${error.message}`);
        });
        if (target !== volume) {
          throw new Error(`The existing symlink '${link}' points to '${volume}' and the new target is '${target}'`);
        }
      } else {
        try {
          await symlink(original, link);
        } catch {
          throw new Error(`Failed to symlink persistent volume from '${original}' to '${link}'`);
        }
      }
    }
    info.resources = resources;
  }

  override cleanup(containerId: string): Promise<void> {
    // The links go away with the sandbox when it is garbage collected.
    this.infos.delete(containerId);
    return Promise.resolve();
  }
}
