// Daemon flags: one schema per daemon, loaded from the command line and `MESOS_*`
// environment variables with Mesos 1.0's rules (3rdparty/stout/include/stout/flags/flags.hpp):
//
// - `--name=value`; a boolean also takes `--name` and `--no-name`. Names are lower-cased.
//   `--name value` is NOT a pair: arguments that do not start with `--` are skipped, so
//   `--port 5050` reports that `port` is missing its value. Parsing stops at `--`.
// - An unknown name is an error; so is loading one flag twice (including once by its
//   name and once by its deprecated alias, on the command line or from the environment).
// - `MESOS_NAME` / `MESOS_name` environment variables are read for known flags only
//   (unknown ones are ignored); the command line wins over the environment for the same
//   name.
// - `file://path` values are replaced by the file's contents before parsing (not for path
//   flags); JSON flags also read a bare absolute path, with a deprecation warning.
// - Then every flag is checked in name order: required flags must be present, and each
//   flag's validator runs (on defaults too).
//
// One deliberate difference: when `--help` is given, the required/validator pass is
// skipped, so `mesos-agent --help` prints the usage even without `--work_dir` (stout
// fails there). Errors while loading given values still win over `--help`, as in Mesos.

import { readFileSync } from 'node:fs';
import { issueMessage, types, type FlagType } from './flags-values.js';

export { types, type FlagType } from './flags-values.js';

export type Presence = 'default' | 'required' | 'optional';

/** The value a flag holds after loading: optional flags may be unset. */
export type PresentValue<T, P extends Presence> = P extends 'optional' ? T | undefined : T;

export interface FlagDef<T, P extends Presence = Presence> {
  readonly type: FlagType<T>;
  readonly help: string;
  readonly presence: P;
  /** The default (presence `default`), already parsed. */
  readonly defaultValue: P extends 'default' ? T : undefined;
  /** A deprecated alternative name (Mesos's `flags::DeprecatedName`). */
  readonly alias: string | undefined;
  /** Returns an error message, or undefined when the value is acceptable. */
  validate?(value: PresentValue<T, P>): string | undefined;
}

/** Any flag definition (for constraints). */
// Method-style members keep FlagDef<T> assignable to FlagDef<unknown>.
export type AnyFlagDef = FlagDef<unknown, Presence>;

export type FlagDefs = { readonly [name: string]: AnyFlagDef };

interface CommonOptions {
  readonly help: string;
  /** Deprecated alias, e.g. `slave_ping_timeout` for `agent_ping_timeout`. */
  readonly alias?: string;
}

/**
 * Defines one flag. Give `default` as the text a user would type (`15secs`, `2GB`,
 * `true`); it is parsed by the flag's type here, so a bad default fails at startup.
 */
export function flag<T>(
  type: FlagType<T>,
  options: CommonOptions & { readonly default: string; validate?(value: T): string | undefined },
): FlagDef<T, 'default'>;
export function flag<T>(
  type: FlagType<T>,
  options: CommonOptions & { readonly required: true; validate?(value: T): string | undefined },
): FlagDef<T, 'required'>;
export function flag<T>(
  type: FlagType<T>,
  options: CommonOptions & { validate?(value: T | undefined): string | undefined },
): FlagDef<T, 'optional'>;
export function flag<T>(
  type: FlagType<T>,
  options: CommonOptions & {
    readonly default?: string;
    readonly required?: true;
    validate?(value: T | undefined): string | undefined;
  },
): FlagDef<T, Presence> {
  let presence: Presence = 'optional';
  let defaultValue: T | undefined;
  if (options.default !== undefined) {
    presence = 'default';
    const parsed = type.schema.safeParse(options.default);
    if (!parsed.success) {
      throw new Error(`Invalid default '${options.default}' for a ${type.kind} flag: ${issueMessage(parsed.error)}`);
    }
    defaultValue = parsed.data;
  } else if (options.required === true) {
    presence = 'required';
  }
  const validate = options.validate;
  return {
    type,
    help: options.help,
    presence,
    defaultValue,
    alias: options.alias,
    ...(validate ? { validate: (value: T | undefined) => validate(value) } : {}),
  } as FlagDef<T, Presence>;
}

/** Typed values of a schema's flags, keyed by flag name. */
export type FlagValues<D extends FlagDefs> = {
  readonly [K in keyof D]: D[K] extends FlagDef<infer T, infer P> ? PresentValue<T, P> : never;
};

/** A problem found after loading (cross-flag rules), reported like Mesos's main(). */
export interface FlagCheckFailure {
  readonly message: string;
  /** Mesos prints the usage after this message (`flags.usage(message)`). */
  readonly usage: boolean;
}

const HELP_FLAG = flag(types.bool, { help: 'Print this help and exit.', default: 'false' });

export type WithHelp<D extends FlagDefs> = D & { readonly help: typeof HELP_FLAG };

export interface FlagsSchema<D extends FlagDefs> {
  /** Program name for the usage line, e.g. `mesos-master`. */
  readonly program: string;
  readonly envPrefix: string;
  /** Every flag, `help` included (stout adds it to every flag set). */
  readonly defs: WithHelp<D>;
  /** Flag names in the order stout keeps them (std::map: byte order). */
  readonly names: readonly string[];
  /** Alias -> flag name. */
  readonly aliases: ReadonlyMap<string, string>;
  /** Whether `--version` is answered before `--help` (the master) or after (the agent). */
  readonly versionFirst: boolean;
  /** Cross-flag rules that Mesos checks after --help/--version. */
  readonly check: ((flags: FlagValues<WithHelp<D>>) => FlagCheckFailure | undefined) | undefined;
}

export interface DefineOptions<D extends FlagDefs> {
  readonly envPrefix?: string;
  readonly versionFirst?: boolean;
  readonly check?: (flags: FlagValues<WithHelp<D>>) => FlagCheckFailure | undefined;
}

/** Byte-order comparison (std::string's operator<). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds a daemon's flag schema. Throws on a definition mistake Mesos also refuses:
 * a name or alias used twice, an alias equal to its name, a name starting with `no-`.
 */
export function defineFlags<D extends FlagDefs>(
  program: string,
  defs: D,
  options: DefineOptions<D> = {},
): FlagsSchema<D> {
  if (Object.prototype.hasOwnProperty.call(defs, 'help')) {
    throw new Error("Attempted to add duplicate flag 'help'");
  }
  const all = { ...defs, help: HELP_FLAG } as WithHelp<D>;
  const taken = new Set<string>();
  const aliases = new Map<string, string>();
  const names = Object.keys(all).sort(byteOrder);
  for (const name of names) {
    const def = all[name];
    const alias = def?.alias;
    if (alias === name) throw new Error(`Attempted to add flag '${name}' with an alias that is same as the flag name`);
    for (const n of alias === undefined ? [name] : [name, alias]) {
      if (taken.has(n)) throw new Error(`Attempted to add duplicate flag '${n}'`);
      if (n.startsWith('no-')) throw new Error(`Attempted to add flag '${n}' that starts with the reserved 'no-' prefix`);
      if (n !== n.toLowerCase()) throw new Error(`Flag name '${n}' must be lower case`);
      taken.add(n);
    }
    if (alias !== undefined) aliases.set(alias, name);
  }
  return {
    program,
    envPrefix: options.envPrefix ?? 'MESOS_',
    defs: all,
    names,
    aliases,
    versionFirst: options.versionFirst ?? false,
    check: options.check,
  };
}

// ---------------------------------------------------------------------------------------
// Loading.

export interface ParseOptions {
  /** Reads a file for `file://` values; defaults to fs.readFileSync as UTF-8. */
  readonly readFile?: (path: string) => string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export type ParseResult<V> =
  | {
      readonly ok: true;
      readonly flags: V;
      /** `--help` was given. */
      readonly help: boolean;
      /** e.g. "Loaded deprecated flag 'slave_ping_timeout'". */
      readonly warnings: readonly string[];
      /** Flag name -> the name it was loaded by (its alias, when loaded via the alias). */
      readonly loadedNames: Readonly<Record<string, string>>;
    }
  | { readonly ok: false; readonly error: string };

interface RawEntry {
  readonly name: string;
  readonly value: string | undefined;
}

/** The command line's flag entries, in order (stout's FlagsBase::load(argc, argv)). */
function commandLineEntries(argv: readonly string[]): RawEntry[] {
  const out: RawEntry[] = [];
  for (const raw of argv) {
    const arg = raw.trim();
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg.slice(2) : arg.slice(2, eq)).toLowerCase();
    out.push({ name, value: eq < 0 ? undefined : arg.slice(eq + 1) });
  }
  return out;
}

function stripNegation(name: string): string {
  return name.startsWith('no-') ? name.slice(3) : name;
}

/** `MESOS_*` variables naming known flags (stout's FlagsBase::extract). */
function environmentEntries(schema: FlagsSchema<FlagDefs>, env: Env): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || !key.startsWith(schema.envPrefix)) continue;
    const name = key.slice(schema.envPrefix.length).toLowerCase();
    const flagName = stripNegation(name);
    if (Object.prototype.hasOwnProperty.call(schema.defs, flagName) || schema.aliases.has(flagName)) {
      out.set(name, value);
    }
  }
  return out;
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
  };
  const reason = typeof code === 'string' ? reasons[code] : undefined;
  return `Failed to open file: ${reason ?? (err instanceof Error ? err.message : String(err))}`;
}

type Loaded = { ok: true; value: unknown } | { ok: false; error: string };

/** stout's `fetch<T>` then `parse<T>`: resolve file references, then parse the text. */
function loadValue(type: FlagType<unknown>, text: string, readFile: (path: string) => string, warnings: string[]): Loaded {
  const read = (path: string): { ok: true; text: string } | { ok: false; error: string } => {
    try {
      return { ok: true, text: readFile(path) };
    } catch (err) {
      return { ok: false, error: `Error reading file '${path}': ${describeFsError(err)}` };
    }
  };
  let resolved = text;
  if (type.source !== 'literal' && resolved.startsWith('file://')) {
    const r = read(resolved.slice('file://'.length));
    if (!r.ok) return r;
    resolved = r.text;
  }
  if (type.source === 'fetch-or-absolute' && resolved.startsWith('/')) {
    warnings.push(
      "Specifying an absolute filename to read a command line option out of without using 'file://' " +
        "is deprecated; prefix the path with 'file://'",
    );
    const r = read(resolved);
    if (!r.ok) return r;
    resolved = r.text;
  }
  const parsed = type.schema.safeParse(resolved);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: issueMessage(parsed.error) };
}

function defaultReadFile(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Loads flags from `argv` (the arguments after the program name) and `env`.
 * Pure apart from reading files named by `file://` values.
 */
export function parseFlags<D extends FlagDefs>(
  schema: FlagsSchema<D>,
  argv: readonly string[],
  env: Env,
  options: ParseOptions = {},
): ParseResult<FlagValues<WithHelp<D>>> {
  const base = schema as unknown as FlagsSchema<FlagDefs>;
  const defs: FlagDefs = base.defs;
  const readFile = options.readFile ?? defaultReadFile;

  const entries = commandLineEntries(argv);
  const cliNames = new Set(entries.map((e) => e.name));
  for (const [name, value] of environmentEntries(base, env)) {
    if (!cliNames.has(name)) entries.push({ name, value });
  }
  // stout holds the entries in a std::multimap: by name, stable for equal names.
  entries.sort((a, b) => byteOrder(a.name, b.name));

  const values = new Map<string, unknown>();
  const loadedNames: Record<string, string> = {};
  const warnings: string[] = [];

  for (const { name, value } of entries) {
    const negated = name.startsWith('no-');
    const flagName = negated ? name.slice(3) : name;
    const canonical = base.aliases.get(flagName) ?? flagName;
    const def = Object.prototype.hasOwnProperty.call(defs, canonical) ? defs[canonical] : undefined;
    if (def === undefined) {
      return { ok: false, error: `Failed to load unknown flag '${flagName}'${negated ? ` via '${name}'` : ''}` };
    }
    const previous = loadedNames[canonical];
    if (previous !== undefined) {
      return { ok: false, error: `Flag '${flagName}' is already loaded via name '${previous}'` };
    }

    let text: string;
    if (!def.type.boolean) {
      if (negated) return { ok: false, error: `Failed to load non-boolean flag '${flagName}' via '${name}'` };
      if (value === undefined) return { ok: false, error: `Failed to load non-boolean flag '${flagName}': Missing value` };
      text = value;
    } else if (value === undefined || value === '') {
      text = negated ? 'false' : 'true';
    } else if (!negated) {
      text = value;
    } else {
      return {
        ok: false,
        error: `Failed to load boolean flag '${flagName}' via '${name}' with value '${value}'`,
      };
    }

    const loaded = loadValue(def.type, text, readFile, warnings);
    if (!loaded.ok) {
      return { ok: false, error: `Failed to load flag '${flagName}': Failed to load value '${text}': ${loaded.error}` };
    }
    values.set(canonical, loaded.value);
    loadedNames[canonical] = flagName;
    if (flagName !== canonical) warnings.push(`Loaded deprecated flag '${flagName}'`);
  }

  const flags: Record<string, unknown> = {};
  for (const name of base.names) {
    const def = defs[name];
    if (def === undefined) continue;
    flags[name] = values.has(name) ? values.get(name) : def.defaultValue;
  }
  const help = flags['help'] === true;

  if (!help) {
    for (const name of base.names) {
      const def = defs[name];
      if (def === undefined) continue;
      if (def.presence === 'required' && !values.has(name)) {
        return { ok: false, error: `Flag '${name}' is required, but it was not provided` };
      }
      const error = def.validate?.(flags[name]);
      if (error !== undefined) return { ok: false, error };
    }
  }

  return {
    ok: true,
    flags: flags as FlagValues<WithHelp<D>>,
    help,
    warnings,
    loadedNames,
  };
}

// ---------------------------------------------------------------------------------------
// Usage and printing.

const PAD = 5;

/**
 * The usage text: an optional message and a blank line, `Usage: <program> [options]`, a
 * blank line, then one entry per flag in name order, laid out as stout's
 * FlagsBase::usage does (`  --name=VALUE` or `  --[no-]name`, the alias after a comma,
 * the help text in a second column; defaults appended as `(default: X)`).
 */
export function usage<D extends FlagDefs>(schema: FlagsSchema<D>, message?: string, program?: string): string {
  const defs: FlagDefs = (schema as unknown as FlagsSchema<FlagDefs>).defs;
  let text = message === undefined ? '' : `${message}\n\n`;
  text += `Usage: ${program ?? schema.program} [options]\n\n`;

  const col1 = new Map<string, string>();
  let width = 0;
  for (const name of schema.names) {
    const def = defs[name];
    if (def === undefined) continue;
    const form = (n: string): string => (def.type.boolean ? `--[no-]${n}` : `--${n}=VALUE`);
    const left = `  ${form(name)}${def.alias === undefined ? '' : `, ${form(def.alias)}`}`;
    col1.set(name, left);
    width = Math.max(width, left.length);
  }

  for (const name of schema.names) {
    const def = defs[name];
    const left = col1.get(name);
    if (def === undefined || left === undefined) continue;
    let help = def.help.replace(/\n+$/, '');
    if (def.presence === 'default') help += ` (default: ${def.type.format(def.defaultValue)})`;
    const lines = help.split('\n');
    text += `${left}${' '.repeat(PAD + width - left.length)}${lines[0] ?? ''}\n`;
    for (const line of lines.slice(1)) text += `${' '.repeat(PAD + width)}${line}\n`;
  }
  return text;
}

/**
 * Flag values as strings keyed by the name each was loaded by, for the `/flags` endpoint
 * (Mesos stringifies every flag that has a value; unset optional flags are left out).
 */
export function stringifyFlags<D extends FlagDefs>(
  schema: FlagsSchema<D>,
  flags: FlagValues<WithHelp<D>>,
  loadedNames: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const defs: FlagDefs = (schema as unknown as FlagsSchema<FlagDefs>).defs;
  const values = flags as Readonly<Record<string, unknown>>;
  const out: Record<string, string> = {};
  for (const name of schema.names) {
    const def = defs[name];
    const value = values[name];
    if (def === undefined || value === undefined) continue;
    out[loadedNames[name] ?? name] = def.type.format(value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// What a daemon's main() does with its flags.

export type CliOutcome<V> =
  | { readonly action: 'run'; readonly flags: V; readonly warnings: readonly string[]; readonly loadedNames: Readonly<Record<string, string>> }
  | { readonly action: 'exit'; readonly code: 0 | 1; readonly stdout?: string; readonly stderr?: string };

export interface CliOptions extends ParseOptions {
  /** Printed for `--version`; Mesos prints `mesos <version>`. */
  readonly versionText?: string;
  /** Program name for the usage line (Mesos uses argv[0]'s basename). */
  readonly program?: string;
}

/**
 * The start of mesos-master's / mesos-agent's main(): load flags; on error print the
 * error and the usage to stderr and exit 1; answer --help (stdout, exit 0) and
 * --version; then run the schema's cross-flag checks.
 */
export function resolveCli<D extends FlagDefs>(
  schema: FlagsSchema<D>,
  argv: readonly string[],
  env: Env,
  options: CliOptions = {},
): CliOutcome<FlagValues<WithHelp<D>>> {
  const result = parseFlags(schema, argv, env, options);
  if (!result.ok) {
    return { action: 'exit', code: 1, stderr: `${usage(schema, result.error, options.program)}\n` };
  }
  const values = result.flags as Readonly<Record<string, unknown>>;
  const version = (): CliOutcome<never> | undefined =>
    values['version'] === true ? { action: 'exit', code: 0, stdout: `${options.versionText ?? 'mesos 1.0.0'}\n` } : undefined;
  const help = (): CliOutcome<never> | undefined =>
    result.help ? { action: 'exit', code: 0, stdout: `${usage(schema, undefined, options.program)}\n` } : undefined;
  const early = schema.versionFirst ? (version() ?? help()) : (help() ?? version());
  if (early) return early;

  const failure = schema.check?.(result.flags);
  if (failure) {
    const text = failure.usage ? usage(schema, failure.message, options.program) : failure.message;
    return { action: 'exit', code: 1, stderr: `${text}\n` };
  }
  return { action: 'run', flags: result.flags, warnings: result.warnings, loadedNames: result.loadedNames };
}
