import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Samples, type Percentiles } from './samples.js';

export interface HttpLoad {
  baseUrl: string;
  /** The path of the next request (may differ each time). */
  path(): string;
  headers: Record<string, string>;
  concurrency: number;
  seconds: number;
}

export type HttpLoadResult = Percentiles & { requestsPerSecond: number; errors: number };

/**
 * A closed loop like autocannon's: `concurrency` keep-alive connections, each sending its next
 * request as soon as the previous response ended, for a fixed time. Only 200s count as served.
 */
export async function httpLoad(load: HttpLoad): Promise<HttpLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: load.concurrency });
  const url = new URL(load.baseUrl);
  const samples = new Samples(65_536);
  let errors = 0;
  const end = performance.now() + load.seconds * 1000;
  const get = () =>
    new Promise<boolean>((resolve) => {
      const req = request({ agent, host: url.hostname, port: url.port, path: load.path(), headers: load.headers }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode === 200));
      });
      req.once('error', () => resolve(false));
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: load.concurrency }, async () => {
      while (performance.now() < end) {
        const sent = performance.now();
        if (await get()) samples.add(performance.now() - sent);
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { ...samples.percentiles(), requestsPerSecond: samples.count / seconds, errors };
}
