import { existsSync, renameSync, rmSync } from 'node:fs';

/**
 * Puts the finished folder `built` where `target` is, so that a process reading `target` sees
 * the old tree or the new one, never a half-written one: a build writes elsewhere and lands
 * with two renames (old aside, new in), then the old one is deleted.
 */
export function replaceDir(built, target) {
  const aside = `${target}.old-${process.pid}-${Date.now()}`;
  const hadOne = existsSync(target);
  if (hadOne) renameSync(target, aside);
  renameSync(built, target);
  if (hadOne) rmSync(aside, { recursive: true, force: true });
}
