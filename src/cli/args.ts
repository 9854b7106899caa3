// The command line's argument errors, shared by every command: each is a UsageError, which main.ts prints
// as one line on stderr with exit code 2 (never "internal error" and a stack).
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { WasmbertError } from '../errors.js';

/** A bad command line: unknown flag, missing value, wrong positionals, an output path that cannot be written. */
export class UsageError extends WasmbertError {}

/** node:util's parseArgs errors (ERR_PARSE_ARGS_*) as UsageError; anything else as it is. */
export function asUsageError(err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return new UsageError((err as Error).message.split('\n')[0], { cause: err });
  return err;
}

/** parseArgs, strict, positionals allowed; its errors as UsageError. */
type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

export function parseCommandArgs<const O extends Options>(argv: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw asUsageError(err);
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function stat(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Refuses, before any work, an output file whose folder is missing or not writable, or that is a folder. */
export function checkOutputFile(path: string, what = 'output file'): void {
  const st = stat(path);
  if (st?.isDirectory()) throw new UsageError(`${what} ${path} is a folder`);
  if (st && !writable(path)) throw new UsageError(`${what} ${path} is not writable`);
  const dir = dirname(resolve(path));
  const ds = stat(dir);
  if (!ds?.isDirectory()) throw new UsageError(`${what} ${path}: folder ${dir} does not exist`);
  if (!writable(dir)) throw new UsageError(`${what} ${path}: folder ${dir} is not writable`);
}

/** Refuses an output folder that is a file, or that does not exist and cannot be created in its parent. */
export function checkOutputDir(path: string, what = 'output folder'): void {
  const st = stat(path);
  if (st && !st.isDirectory()) throw new UsageError(`${what} ${path} is a file, not a folder`);
  if (st) {
    if (!writable(path)) throw new UsageError(`${what} ${path} is not writable`);
    return;
  }
  // created with its parents: the nearest existing ancestor must be a writable folder
  let dir = dirname(resolve(path));
  while (!stat(dir) && dirname(dir) !== dir) dir = dirname(dir);
  if (!stat(dir)?.isDirectory() || !writable(dir)) throw new UsageError(`${what} ${path} cannot be created: ${dir} is not a writable folder`);
}
