// What Mesos 1.0's `mesos-fetcher` program does for each item of a FetcherInfo
// (src/launcher/fetcher.cpp), run in the agent's process: fetch the URI into the sandbox
// or through the cache, then chmod it executable or extract it. Local copies, extraction
// and Hadoop downloads run as the task's user (Mesos runs the whole program as that
// user), so the user's file permissions apply; HTTP/FTP downloads are written by the agent
// and then handed to the user.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { mesos } from '../proto/index.js';
import { commandAs } from './containerizer/user.js';
import {
  extractCommand,
  isNetUri,
  outputPath,
  outputSubdirectory,
  uriToLocalPath,
  validateUri,
} from './fetcher-uri.js';

export type FetcherItem = mesos.fetcher.FetcherInfo.Item.$Properties;

/** FetcherInfo.Item.Action */
export const BYPASS_CACHE = 0;
export const DOWNLOAD_AND_CACHE = 1;
export const RETRIEVE_FROM_CACHE = 2;

export interface FetchContext {
  sandbox: string;
  cacheDirectory?: string | undefined;
  frameworksHome?: string | undefined;
  hadoopHome?: string | undefined;
  /** The task's user, when fetching as someone else. */
  user?: { uid: number; gid: number } | undefined;
  signal: AbortSignal;
  /** A line for the fetcher's log (the sandbox's stderr). */
  log(line: string): void;
  /** Registers a helper process so that a kill can reach it. */
  track(child: ChildProcess): void;
}

export class FetchError extends Error {
  override name = 'FetchError';
}

interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a program as the context's user; resolves with its wait status and output. */
function runAs(ctx: FetchContext, file: string, args: readonly string[]): Promise<RunResult> {
  const invocation = commandAs(ctx.user, file, args);
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) {
      reject(new FetchError('Fetching was killed'));
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(invocation.file, invocation.args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(invocation.uid !== undefined ? { uid: invocation.uid, gid: invocation.gid } : {}),
      });
    } catch (error) {
      reject(new FetchError(`Failed to execute '${file}': ${(error as Error).message}`));
      return;
    }
    ctx.track(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (error) => reject(new FetchError(`Failed to execute '${file}': ${error.message}`)));
    child.once('close', (code, signal) => {
      const status = signal !== null ? (constants.signals[signal] as number) & 0x7f : ((code ?? 0) & 0xff) << 8;
      resolve({ status, stdout, stderr });
    });
  });
}

async function giveToUser(ctx: FetchContext, path: string): Promise<void> {
  if (ctx.user) await chown(path, ctx.user.uid, ctx.user.gid);
}

async function copyFile(ctx: FetchContext, source: string, destination: string): Promise<string> {
  const command = `cp '${source}' '${destination}'`;
  ctx.log(`Copying resource with command:${command}`);
  const result = await runAs(ctx, 'cp', ['--', source, destination]);
  if (result.status !== 0) {
    if (result.stderr.trim() !== '') ctx.log(result.stderr.trim());
    throw new FetchError(`Failed to copy with command '${command}', exit status: ${result.status}`);
  }
  return destination;
}

async function downloadWithNet(ctx: FetchContext, uri: string, destination: string): Promise<string> {
  ctx.log(`Downloading resource from '${uri}' to '${destination}'`);
  const ftp = uri.startsWith('ftp://') || uri.startsWith('ftps://');
  if (ftp) {
    // libcurl in Mesos; the curl program here.
    const result = await runAs(ctx, 'curl', ['-s', '-S', '-o', destination, '-w', '%{response_code}', '--', uri]);
    const code = Number(result.stdout.trim());
    if (result.status !== 0 && !(code > 0)) {
      throw new FetchError(`Error downloading resource: ${result.stderr.trim() || `curl exit status ${result.status}`}`);
    }
    if (code !== 226) throw new FetchError(`Error downloading resource, received FTP return code ${code}`);
    return destination;
  }

  let response: Response;
  try {
    response = await fetch(uri, { redirect: 'follow', signal: ctx.signal });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `${(error as Error).message}: ${cause.message}` : (error as Error).message;
    throw new FetchError(`Error downloading resource: ${detail}`);
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new FetchError(`Error downloading resource, received HTTP return code ${response.status}`);
  }
  try {
    const body = response.body ? Readable.fromWeb(response.body as import('node:stream/web').ReadableStream) : Readable.from([]);
    await pipeline(body, createWriteStream(destination, { mode: 0o644 }), { signal: ctx.signal });
  } catch (error) {
    throw new FetchError(`Error downloading resource: ${(error as Error).message}`);
  }
  await giveToUser(ctx, destination);
  return destination;
}

async function downloadWithHadoop(ctx: FetchContext, uri: string, destination: string): Promise<string> {
  const hadoop =
    ctx.hadoopHome !== undefined && ctx.hadoopHome !== '' ? join(ctx.hadoopHome, 'bin', 'hadoop') : 'hadoop';
  const version = await runAs(ctx, '/bin/sh', ['-c', `exec "$0" version 2>&1`, hadoop]).catch(() => undefined);
  if (!version || version.status !== 0) {
    throw new FetchError(
      `Failed to create HDFS client: Failed to execute '${hadoop} version 2>&1'; the command was either not ` +
        `found or exited with a non-zero exit status: ${version ? version.status >> 8 : 127}`,
    );
  }
  ctx.log(`Downloading resource with Hadoop client from '${uri}' to '${destination}'`);
  // HDFS paths without a scheme are made absolute.
  const source = uri.includes('://') || uri.startsWith('/') ? uri : `/${uri}`;
  const result = await runAs(ctx, hadoop, ['fs', '-copyToLocal', source, destination]);
  if (result.status !== 0) {
    throw new FetchError(
      `HDFS copyToLocal failed: Unexpected result from the subprocess: status='${result.status}', ` +
        `stdout='${result.stdout}', stderr='${result.stderr}'`,
    );
  }
  return destination;
}

/** Mesos's download(): local copy, network download, or the Hadoop client, in that order. */
export async function download(ctx: FetchContext, rawUri: string, destination: string): Promise<string> {
  const uri = rawUri.replace(/^\s+/, '');
  ctx.log(`Fetching URI '${uri}'`);
  const invalid = validateUri(uri);
  if (invalid !== undefined) throw new FetchError(invalid);

  const local = uriToLocalPath(uri, ctx.frameworksHome);
  if (!local.ok) throw new FetchError(local.error);
  if (local.value !== undefined) return copyFile(ctx, local.value, destination);
  if (isNetUri(uri)) return downloadWithNet(ctx, uri, destination);
  return downloadWithHadoop(ctx, uri, destination);
}

async function chmodExecutable(path: string): Promise<string> {
  try {
    await chmod(path, 0o755);
  } catch (error) {
    throw new FetchError(`Failed to chmod executable '${path}': ${(error as Error).message}`);
  }
  return path;
}

/** Extracts an archive into `destination`; false when the file is no archive. */
async function extract(ctx: FetchContext, source: string, destination: string): Promise<boolean> {
  const command = extractCommand(source, destination);
  if (!command) return false;
  ctx.log(`Extracting with command: ${command.display}`);
  const result = await runAs(ctx, command.file, command.args);
  if (result.stderr.trim() !== '') ctx.log(result.stderr.trim());
  if (result.status !== 0) {
    throw new FetchError(`Failed to extract: command ${command.display} exited with status: ${result.status}`);
  }
  ctx.log(`Extracted '${source}' into '${destination}'`);
  return true;
}

async function prepareOutput(ctx: FetchContext, uri: mesos.CommandInfo.URI.$Properties): Promise<string> {
  const subdirectory = outputSubdirectory(uri);
  if (subdirectory !== undefined) {
    try {
      await mkdir(join(ctx.sandbox, subdirectory), { recursive: true });
      await giveToUser(ctx, join(ctx.sandbox, subdirectory));
    } catch {
      throw new FetchError(`Unable to create subdirectory ${subdirectory} in sandbox`);
    }
  }
  const output = outputPath(uri);
  if (!output.ok) throw new FetchError(output.error);
  return join(ctx.sandbox, output.value);
}

async function fetchBypassingCache(ctx: FetchContext, uri: mesos.CommandInfo.URI.$Properties): Promise<string> {
  ctx.log('Fetching directly into the sandbox directory');
  const path = await prepareOutput(ctx, uri);
  const downloaded = await download(ctx, uri.value, path);
  if (uri.executable ?? false) return chmodExecutable(downloaded);
  if ((uri.extract ?? true) && !(await extract(ctx, path, ctx.sandbox))) {
    ctx.log(
      "Copying instead of extracting resource from URI with 'extract' flag, because it does not seem to be " +
        `an archive: ${uri.value}`,
    );
  }
  return downloaded;
}

async function fetchFromCache(ctx: FetchContext, item: FetcherItem, cacheDirectory: string): Promise<string> {
  ctx.log('Fetching from cache');
  const destination = await prepareOutput(ctx, item.uri);
  const source = join(cacheDirectory, item.cache_filename ?? '');
  if (item.uri.executable ?? false) return chmodExecutable(await copyFile(ctx, source, destination));
  if (item.uri.extract ?? true) {
    if (await extract(ctx, source, ctx.sandbox)) return ctx.sandbox;
    ctx.log(
      "Copying instead of extracting resource from URI with 'extract' flag, because it does not seem to be " +
        `an archive: ${item.uri.value}`,
    );
  }
  return copyFile(ctx, source, destination);
}

async function fetchThroughCache(ctx: FetchContext, item: FetcherItem): Promise<string> {
  const cacheDirectory = ctx.cacheDirectory;
  if (cacheDirectory === undefined || cacheDirectory === '') throw new FetchError('Cache directory not specified');
  if (item.cache_filename === undefined || item.cache_filename === null || item.cache_filename === '') {
    throw new FetchError(`No cache file name for: ${item.uri.value}`);
  }
  if (item.action === DOWNLOAD_AND_CACHE) {
    ctx.log('Downloading into cache');
    await download(ctx, item.uri.value, join(cacheDirectory, item.cache_filename));
  }
  return fetchFromCache(ctx, item, cacheDirectory);
}

/** One item; returns the resulting file (or the sandbox, after extracting from the cache). */
export async function fetchItem(ctx: FetchContext, item: FetcherItem): Promise<string> {
  ctx.log(`Fetching URI '${item.uri.value}'`);
  if ((item.action ?? BYPASS_CACHE) === BYPASS_CACHE) return fetchBypassingCache(ctx, item.uri);
  return fetchThroughCache(ctx, item);
}

/** Creates the per-user cache directory when an item uses the cache. */
export async function createCacheDirectory(ctx: FetchContext, items: readonly FetcherItem[]): Promise<void> {
  if (ctx.cacheDirectory === undefined) return;
  if (!items.some((item) => (item.action ?? BYPASS_CACHE) !== BYPASS_CACHE)) return;
  await mkdir(ctx.cacheDirectory, { recursive: true });
  await giveToUser(ctx, ctx.cacheDirectory);
}

/** How big a download will be, for reserving cache space (Mesos's fetchSize). */
export async function fetchSize(uri: string, frameworksHome: string | undefined, signal?: AbortSignal): Promise<number> {
  const local = uriToLocalPath(uri, frameworksHome);
  if (!local.ok) throw new Error(local.error);
  if (local.value !== undefined) {
    try {
      return (await stat(local.value)).size;
    } catch (error) {
      throw new Error(`Could not determine file size for: '${local.value}', error: ${(error as Error).message}`);
    }
  }
  if (uri.startsWith('http://') || uri.startsWith('https://')) {
    let response: Response;
    try {
      response = await fetch(uri, { method: 'HEAD', redirect: 'follow', ...(signal ? { signal } : {}) });
    } catch (error) {
      throw new Error(`Error fetching content-length: ${(error as Error).message}`);
    }
    if (response.status !== 200) throw new Error(`Unexpected HTTP response code ${response.status} for ${uri}`);
    const size = Number(response.headers.get('content-length') ?? '0');
    if (!(size > 0)) throw new Error(`URI reported content-length 0: ${uri}`);
    return size;
  }
  // FTP and Hadoop sizes are not probed here: such URIs bypass the cache.
  throw new Error(`Cannot determine the size of '${uri}' for the fetcher cache`);
}
