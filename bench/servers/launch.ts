import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../settings.js';

/** A server under test: a process whose CPU time and memory the bench reads. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
  /** A full garbage collection in the server, so memory readings compare live data; returns process.memoryUsage() after it. */
  gc(): Promise<NodeJS.MemoryUsage | undefined>;
  /** Sends the signal; resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

const PROFILE_DIR = fileURLToPath(new URL('../results/profiles/', import.meta.url));
const GC_CONTROL = pathToFileURL(fileURLToPath(new URL('./gc-control.mjs', import.meta.url))).href;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_KEPT = 16_384;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface LaunchOptions {
  /** Script, relative to the repository root (TypeScript runs through tsx), and its arguments. */
  command: string[];
  env: Record<string, string>;
  /** Answers 200 once the server serves clients and consumes events. */
  readyPath: string;
  /**
   * Writes V8 CPU profiles of the whole run to bench/results/profiles/<name>/, one file per
   * thread (the main thread's is the largest); read them with bench/profile-top.ts.
   */
  profile?: boolean;
}

/**
 * Starts a server in its own Node process on a free port and waits until it is ready. Its
 * output is kept for the error if it dies.
 */
export async function launch(name: string, options: LaunchOptions): Promise<ServerProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const profileDir = `${PROFILE_DIR}${name}`;
  const profiling = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  const tsx = options.command[0]?.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, ['--expose-gc', ...tsx, '--import', GC_CONTROL, ...profiling, ...options.command], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_KEPT));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exit = once(child, 'exit').then(() => (exited = true));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`${name} exited during start-up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    const ready = await fetch(`${baseUrl}${options.readyPath}`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    await sleep(200);
  }

  return {
    name,
    pid: child.pid!,
    baseUrl,
    async gc() {
      const done = once(child, 'message') as Promise<[{ memory: NodeJS.MemoryUsage }]>;
      child.send({ type: 'bench:gc' });
      return (await done)[0].memory;
    },
    async kill(signal) {
      if (!exited) child.kill(signal);
      await exit;
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exit;
      clearTimeout(timer);
    },
  };
}
