// Loaded by mocha for every run (.mocharc.json `require`). It imports nothing that starts
// services, so a run of service-free suites starts none.
import { stopOwnedServices } from './for-this-run.js';

export async function mochaGlobalTeardown(): Promise<void> {
  await stopOwnedServices();
}
