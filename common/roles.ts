// Roles: name validation (src/common/roles.cpp), the master's deprecated
// `--roles` whitelist and `--weights` flag (src/master/master.cpp,
// Master::initialize; flag help in src/master/flags.cpp).

/** The default role; every framework without a role has it. */
export const DEFAULT_ROLE = '*';

// Horizontal tab, line feed, vertical tab, form feed, carriage return, space,
// slash and DEL (roles.cpp INVALID_CHARACTERS).
const INVALID = /[\t\n\v\f\r /\x7f]/;

/** Why `role` is not a valid role name, or undefined when it is (roles::validate). */
export function validateRole(role: string): string | undefined {
  if (role === '') return 'Empty role name is invalid';
  if (role === '.') return "Role name '.' is invalid";
  if (role === '..') return "Role name '..' is invalid";
  if (role.startsWith('-')) return `Role name '${role}' is invalid because it starts with a dash`;
  if (INVALID.test(role)) {
    return `Role name '${role}' is invalid because it contains slash, backspace or whitespace`;
  }
  return undefined;
}

/** The first error among `roles`, or undefined. */
export function validateRoles(roles: Iterable<string>): string | undefined {
  for (const role of roles) {
    const error = validateRole(role);
    if (error !== undefined) return error;
  }
  return undefined;
}

export class RoleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoleError';
  }
}

/** Splits a comma-separated role list (empty items dropped) and validates it (roles::parse). */
export function parseRoles(text: string): string[] {
  const roles = text.split(',').filter((role) => role !== '');
  const error = validateRoles(roles);
  if (error !== undefined) throw new RoleError(error);
  return roles;
}

/** A role whitelist from `--roles`: the listed roles plus `*`, which is always allowed. */
export interface RoleWhitelist {
  readonly roles: ReadonlySet<string>;
  /** True when the flag listed a role more than once (Mesos logs a warning). */
  readonly duplicates: boolean;
}

/** Parses `--roles` (Master::initialize); throws RoleError with "Failed to parse roles: ...". */
export function parseRoleWhitelist(text: string): RoleWhitelist {
  let listed: string[];
  try {
    listed = parseRoles(text);
  } catch (error) {
    throw new RoleError(`Failed to parse roles: ${(error as Error).message}`);
  }
  const roles = new Set(listed);
  const duplicates = roles.size < listed.length;
  roles.add(DEFAULT_ROLE);
  return { roles, duplicates };
}

/** True when there is no whitelist or it lists `role` (Master::isWhitelistedRole). */
export function isWhitelistedRole(whitelist: RoleWhitelist | undefined, role: string): boolean {
  return whitelist === undefined || whitelist.roles.has(role);
}

/** C's atof: the longest decimal prefix, 0 when there is none. */
function atof(text: string): number {
  const match = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text);
  return match === null ? 0 : Number(match[0]);
}

/**
 * Parses `--weights` (`role1=2.0,role2=3.5`) as Master::initialize does: each
 * comma-separated token must be `role=weight`, the role must be whitelisted,
 * and the weight (read with atof) must be positive. Throws RoleError with
 * Mesos's messages.
 */
export function parseWeights(text: string, whitelist?: RoleWhitelist): Map<string, number> {
  const weights = new Map<string, number>();
  for (const token of text.split(',')) {
    if (token === '') continue;
    const pair = token.split('=').filter((part) => part !== '');
    const [role, value] = pair;
    if (pair.length !== 2 || role === undefined || value === undefined) {
      throw new RoleError(
        `Invalid weight: '${token}'. --weights should be of the form 'role=weight,role=weight'`,
      );
    }
    if (!isWhitelistedRole(whitelist, role)) {
      throw new RoleError(`Invalid weight: '${token}'. ${role} is not a valid role`);
    }
    const weight = atof(value);
    if (!(weight > 0)) throw new RoleError(`Invalid weight: '${token}'. Weights must be positive`);
    weights.set(role, weight);
  }
  return weights;
}
