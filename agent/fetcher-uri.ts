// Pure rules of Mesos 1.0's fetcher about URIs (src/slave/containerizer/fetcher.cpp and
// src/launcher/fetcher.cpp): which file name a URI gets in the sandbox, which URIs are
// local paths, and how archives are recognized and unpacked.

import { basename as pathBasename, dirname, posix } from 'node:path';
import { has, type mesos } from '../proto/index.js';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
const fail = <T>(error: string): Outcome<T> => ({ ok: false, error });

/**
 * The file name a URI is fetched to: everything after the last '/' (query strings
 * included, as in Mesos). URIs with a scheme need a path; backslashes, quotes and NULs
 * are refused.
 */
export function uriBasename(uri: string): Outcome<string> {
  if (uri.includes('\\') || uri.includes("'") || uri.includes('\0')) return fail('Illegal characters in URI');
  const index = uri.indexOf('://');
  if (index > 1) {
    const path = uri.slice(index + 3);
    const slash = path.indexOf('/');
    if (slash < 0 || path.length <= slash + 1) return fail(`Malformed URI (missing path): ${uri}`);
    return ok(path.slice(path.lastIndexOf('/') + 1));
  }
  return ok(stoutBasename(uri));
}

/** stout's Path::basename: the last component, ignoring trailing slashes; "/" for "/". */
function stoutBasename(path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return pathBasename(trimmed);
}

export function validateUri(uri: string): string | undefined {
  const result = uriBasename(uri);
  return result.ok ? undefined : result.error;
}

export function validateOutputFile(path: string): string | undefined {
  if (path.length === 0) return 'URI output file path is empty';
  if (path.startsWith('/')) return 'URI output file must be within the sandbox directory';
  return undefined;
}

/** Validates every URI of a command: the first problem, or undefined. */
export function validateUris(command: mesos.CommandInfo.$Properties): string | undefined {
  for (const uri of command.uris ?? []) {
    const error = validateUri(uri.value);
    if (error !== undefined) return error;
    if (has(uri, 'output_file')) {
      const outputError = validateOutputFile(uri.output_file ?? '');
      if (outputError !== undefined) return outputError;
    }
  }
  return undefined;
}

/** Schemes fetched over the network (libcurl in Mesos). */
export function isNetUri(uri: string): boolean {
  return ['http://', 'https://', 'ftp://', 'ftps://'].some((p) => uri.startsWith(p));
}

/**
 * The local path of a URI: plain paths and `file://` URIs (`file://localhost/...` too).
 * undefined for other schemes. Relative paths are taken relative to --frameworks_home,
 * and are an error without it or in a file URI.
 */
export function uriToLocalPath(uri: string, frameworksHome: string | undefined): Outcome<string | undefined> {
  if (!uri.startsWith('file://') && uri.includes('://')) return ok(undefined);
  let path = uri;
  let fileUri = false;
  if (path.startsWith('file://localhost')) {
    path = path.slice('file://localhost'.length);
    fileUri = true;
  } else if (path.startsWith('file://')) {
    path = path.slice('file://'.length);
    fileUri = true;
  }
  if (!path.startsWith('/')) {
    if (fileUri) return fail('File URI only supports absolute paths');
    if (frameworksHome === undefined || frameworksHome === '') {
      return fail(
        'A relative path was passed for the resource but the Mesos framework home was not specified. ' +
          'Please either provide this config option or avoid using a relative path',
      );
    }
    path = posix.join(frameworksHome, path);
  }
  return ok(path);
}

/** Where a URI lands in the sandbox: `output_file` if given, else the URI's basename. */
export function outputPath(uri: mesos.CommandInfo.URI.$Properties): Outcome<string> {
  if (has(uri, 'output_file')) return ok(uri.output_file ?? '');
  return uriBasename(uri.value);
}

/** The subdirectory an `output_file` needs in the sandbox, or undefined. */
export function outputSubdirectory(uri: mesos.CommandInfo.URI.$Properties): string | undefined {
  if (!has(uri, 'output_file')) return undefined;
  const dir = dirname(uri.output_file ?? '');
  return dir === '.' ? undefined : dir;
}

export interface ExtractCommand {
  /** The command line Mesos would log (`tar -C 'dir' -xf 'file'`). */
  display: string;
  file: string;
  args: string[];
}

const TAR_SUFFIXES = ['.tar', '.tgz', '.tar.gz', '.tbz2', '.tar.bz2', '.txz', '.tar.xz'];

/**
 * How Mesos unpacks an archive into `destination`, chosen by file name: tar for
 * .tar/.tgz/.tar.gz/.tbz2/.tar.bz2/.txz/.tar.xz, gunzip for other .gz (to the name without
 * .gz), unzip for .zip; undefined when the file is no archive.
 */
export function extractCommand(source: string, destination: string): ExtractCommand | undefined {
  if (TAR_SUFFIXES.some((s) => source.endsWith(s))) {
    return {
      display: `tar -C '${destination}' -xf '${source}'`,
      file: 'tar',
      args: ['-C', destination, '-xf', source],
    };
  }
  if (source.endsWith('.gz')) {
    const target = posix.join(destination, stoutBasename(source.slice(0, -3)));
    return {
      display: `gzip -dc > '${target}' < '${source}'`,
      file: '/bin/sh',
      args: ['-c', 'exec gzip -dc < "$1" > "$2"', 'sh', source, target],
    };
  }
  if (source.endsWith('.zip')) {
    return {
      display: `unzip -o -d '${destination}' '${source}'`,
      file: 'unzip',
      args: ['-o', '-d', destination, source],
    };
  }
  return undefined;
}

/** The fetcher cache's key: the URI, per user. */
export function cacheKey(user: string | undefined, uri: string): string {
  return user === undefined ? uri : `${user}@${uri}`;
}

/**
 * A cache file name: `c<serial>-<basename>`, the basename shortened to its first and last
 * ten characters (keeping the extension, so extraction still recognizes it).
 */
export function cacheFilename(serial: number, uri: string): string {
  const base = uriBasename(uri);
  let name = base.ok ? base.value : 'file';
  if (name.length > 20) name = `${name.slice(0, 10)}_${name.slice(-10)}`;
  return `c${serial}-${name}`;
}
