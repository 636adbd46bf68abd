// What the classic JSON endpoints read: the master's model plus a few facts
// about the master itself. A plain value, so the renderers are pure functions
// that tests and benchmarks can feed without a running master.

import type { mesos } from '../../proto/index.js';
import type { MasterState } from '../indexes.js';
import type { BuildInfo } from './version.js';

export interface MasterView {
  readonly state: MasterState;
  readonly version: string;
  readonly build: BuildInfo;
  /** The master's id (MasterInfo.id). */
  readonly id: string;
  /** The master's pid, `master@ip:port`. */
  readonly pid: string;
  readonly hostname: string;
  /** Seconds since the epoch. */
  readonly startTime: number;
  /** Seconds since the epoch; undefined while not elected. */
  readonly electedTime: number | undefined;
  /** The leading master, when one is known. */
  readonly leader: mesos.MasterInfo.$Properties | undefined;
  /** `--cluster`. */
  readonly cluster: string | undefined;
  /** Flag name -> value as the master stringifies it (only flags that have a value). */
  readonly flags: Readonly<Record<string, string>>;
}
