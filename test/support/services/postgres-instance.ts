import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { asServiceUser, makeServiceDir } from './service-user.js';

const run = promisify(execFile);

/** Debian keeps the server binaries out of PATH, one folder per major version: take the newest. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

/**
 * A PostgreSQL of our own in `dir`: trust auth for the `postgres` superuser, on 127.0.0.1:`port`
 * and a socket in `dir`, without durability (the data is thrown away). Returns its admin URL.
 */
export async function startPostgres(dir: string, port: number, env: Record<string, string>): Promise<string> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (Debian: apt-get install postgresql)');
  makeServiceDir(dir, 'postgres');
  const data = join(dir, 'data');
  const pg = async (command: string, args: string[]) => {
    const [file, argv] = asServiceUser('postgres', env, join(bin, command), args);
    await run(file, argv, { cwd: dir, timeout: 60_000 });
  };
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'];
  await pg('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', 'start', '-o', options.join(' ')]);
  return `postgresql://postgres@127.0.0.1:${port}/postgres`;
}
