// `/version`: its own process (id `version`, route `/`), as in Mesos 1.0
// (src/version/version.cpp, version.hpp), plus the build facts that /state
// repeats (src/common/build.cpp).

import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Process } from '../../libprocess/process.js';
import type { Request, Response } from '../../libprocess/http/types.js';
import { jsonResponse } from './respond.js';
import { dbl, str } from './writers.js';

/** The Mesos release this implementation speaks for (MESOS_VERSION). */
export const MESOS_VERSION = '1.0.0';

/** build::DATE, build::TIME, build::USER and the optional git facts. */
export interface BuildInfo {
  /** `YYYY-MM-DD HH:MM:SS`, local time. */
  readonly date: string;
  /** Seconds since the epoch. */
  readonly time: number;
  readonly user: string;
  readonly gitSha?: string | undefined;
  readonly gitBranch?: string | undefined;
  readonly gitTag?: string | undefined;
}

/**
 * There is no compile step to stamp, so the "build" is when this code was
 * installed: the modification time of this module, and the user running it.
 */
export const BUILD_INFO: BuildInfo = detectBuildInfo();

function detectBuildInfo(): BuildInfo {
  let time: number;
  try {
    time = Math.floor(statSync(fileURLToPath(import.meta.url)).mtimeMs / 1000);
  } catch {
    time = Math.floor(Date.now() / 1000);
  }
  let user = '';
  try {
    user = userInfo().username;
  } catch {
    user = process.env['USER'] ?? '';
  }
  return { date: formatLocalDate(new Date(time * 1000)), time, user };
}

function formatLocalDate(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ` +
    `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`
  );
}

/**
 * `internal::version()`: a JSON::Object, so keys come out sorted:
 * build_date, build_time, build_user, git_branch?, git_sha?, git_tag?, version.
 */
export function versionJson(version: string = MESOS_VERSION, build: BuildInfo = BUILD_INFO): string {
  let out = `{"build_date":${str(build.date)},"build_time":${dbl(build.time)},"build_user":${str(build.user)}`;
  if (build.gitBranch !== undefined) out += `,"git_branch":${str(build.gitBranch)}`;
  if (build.gitSha !== undefined) out += `,"git_sha":${str(build.gitSha)}`;
  if (build.gitTag !== undefined) out += `,"git_tag":${str(build.gitTag)}`;
  return `${out},"version":${str(version)}}`;
}

/** The `version` process: GET /version answers versionJson() (with `jsonp`). */
export class VersionProcess extends Process {
  constructor(
    private readonly version: string = MESOS_VERSION,
    private readonly build: BuildInfo = BUILD_INFO,
  ) {
    super('version');
  }

  protected override initialize(): void {
    this.route('/', (request) => this.serve(request), { help: 'Provides version information.' });
  }

  private serve(request: Request): Response {
    return jsonResponse(versionJson(this.version, this.build), request);
  }
}
