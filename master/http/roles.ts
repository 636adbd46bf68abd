// /master/roles (src/master/http.cpp: Master::Http::roles, _roles and
// model(name, weight, role)). Built as a JSON::Object in Mesos, so every
// object's keys come out sorted, and resources go through
// `model(const Resources&)` (src/common/http.cpp), where absent cpus, gpus,
// mem and disk are the integer 0 rather than 0.0.

import { Resources } from '../../common/resources.js';
import { RANGES, SCALAR, SET, formatRanges, formatSet } from '../../common/values.js';
import type { Framework } from '../model.js';
import { frameworkUsed } from './state.js';
import type { MasterView } from './view.js';
import { dbl, str } from './writers.js';

export interface RolesConfig {
  /** `--roles`: when set, exactly these roles are listed. */
  whitelist: ReadonlySet<string> | undefined;
  /** Role weights (`--weights` and /weights). */
  weights: ReadonlyMap<string, number>;
}

/** `model(const Resources&)`: a std::map of name -> value, keys sorted. */
export function resourcesModelJson(resources: Resources): string {
  const values = new Map<string, string>([
    ['cpus', '0'],
    ['gpus', '0'],
    ['mem', '0'],
    ['disk', '0'],
  ]);
  const put = (part: Resources, suffix: string): void => {
    for (const [name, type] of part.types()) {
      let value: string | undefined;
      if (type === SCALAR) value = dbl(part.scalar(name) ?? 0);
      else if (type === RANGES) value = str(formatRanges(part.ranges(name) ?? []));
      else if (type === SET) value = str(formatSet(part.set(name) ?? []));
      if (value !== undefined) values.set(name + suffix, value);
    }
  };
  put(resources.nonRevocable(), '');
  put(resources.revocable(), '_revocable');
  const names = [...values.keys()].sort();
  return `{${names.map((name) => `${str(name)}:${values.get(name) ?? '0'}`).join(',')}}`;
}

/** Role names to list, sorted (Mesos collects them in a std::set). */
export function roleNames(view: MasterView, config: RolesConfig): string[] {
  if (config.whitelist !== undefined) return [...config.whitelist].sort();
  const names = new Set<string>(['*']);
  for (const framework of view.state.frameworks.values()) names.add(framework.role);
  for (const name of config.weights.keys()) names.add(name);
  return [...names].sort();
}

/** GET /master/roles (and /master/roles.json). */
export function rolesJson(view: MasterView, config: RolesConfig): string {
  const byRole = new Map<string, Framework[]>();
  for (const framework of view.state.frameworks.values()) {
    let list = byRole.get(framework.role);
    if (list === undefined) byRole.set(framework.role, (list = []));
    list.push(framework);
  }
  const roles: string[] = [];
  for (const name of roleNames(view, config)) {
    const frameworks = byRole.get(name) ?? [];
    let resources = Resources.EMPTY;
    for (const framework of frameworks) resources = resources.plus(frameworkUsed(framework)).plus(framework.offeredResources);
    const weight = config.weights.get(name) ?? 1;
    roles.push(
      `{"frameworks":[${frameworks.map((f) => str(f.id)).join(',')}],"name":${str(name)}` +
        `,"resources":${resourcesModelJson(resources)},"weight":${dbl(weight)}}`,
    );
  }
  return `{"roles":[${roles.join(',')}]}`;
}
