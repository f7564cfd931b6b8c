import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { eventually } from '../support/eventually.js';
import { markedProcesses } from '../support/services/marked-processes.js';

const FOR_THIS_RUN = fileURLToPath(new URL('../support/services/for-this-run.ts', import.meta.url));
// What a test run does: start its services, then keep going until it is stopped.
const RUN = `
  import { useServices } from ${JSON.stringify(FOR_THIS_RUN)};
  const services = await useServices();
  console.log(services.rabbitmq.runDir);
  setInterval(() => {}, 1000);
`;

/** A process that starts its own throwaway services as a test run does, and the run's folder. */
async function startRun(): Promise<{ child: ChildProcess; runDir: string }> {
  const env = { ...process.env };
  // Not the services of the run this test is part of.
  for (const name of ['TEST_PG_ADMIN_URL', 'TEST_AMQP_URL', 'TEST_RABBITMQ_NODE']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', RUN], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const [runDir] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, runDir };
}

function assertRunning(runDir: string): void {
  const names = new Set(markedProcesses(runDir).map((p) => p.comm));
  for (const name of ['postgres', 'beam.smp', 'epmd']) assert.ok(names.has(name), `${name} of the run is running: ${[...names].join(', ')}`);
}

function assertGone(runDir: string): void {
  assert.deepEqual(markedProcesses(runDir), []);
  assert.equal(existsSync(runDir), false, `${runDir} was removed`);
}

describe('the throwaway services of a test run', function () {
  this.timeout(120_000);

  it('are gone when the run is interrupted (Ctrl-C): it stops them, then exits', async () => {
    const { child, runDir } = await startRun();
    assertRunning(runDir);
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 130);
    assertGone(runDir);
  });

  it('are gone when the run is killed outright (SIGKILL): the supervisor notices', async () => {
    const { child, runDir } = await startRun();
    assertRunning(runDir);
    child.kill('SIGKILL');
    await eventually(() => assertGone(runDir), 20_000, 100);
  });
});
