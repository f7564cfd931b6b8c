import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';

const isRoot = process.getuid?.() === 0;

/**
 * The command line that runs `command` as a service's own user. PostgreSQL refuses to run as
 * root and RabbitMQ's files belong to its user, so as root the command runs through `runuser`;
 * any other user runs it as itself. The variables are passed on the command line because
 * `runuser` resets HOME.
 */
export function asServiceUser(user: string, env: Record<string, string>, command: string, args: string[]): [string, string[]] {
  const withEnv = ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), command, ...args];
  return isRoot ? ['runuser', ['-u', user, '--', ...withEnv]] : [withEnv[0]!, withEnv.slice(1)];
}

/** A folder the service's user owns (as root; otherwise it is ours anyway). */
export function makeServiceDir(dir: string, user: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (isRoot) {
    const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  return dir;
}
