import { METRICS_TOKEN } from './services.js';

/** A Prometheus scrape of a process started with METRICS_TOKEN (every production-mode one in tests). */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
  if (!res.ok) throw new Error(`GET ${baseUrl}/metrics answered ${res.status}`);
  return res.text();
}
