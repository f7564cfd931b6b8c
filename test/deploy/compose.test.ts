import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: ({ published: string | number; target: number } | string)[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
}

// No Docker engine here: Debian's docker-compose validates and resolves the file (CI installs it).
describe('docker-compose.yml', function () {
  this.timeout(30_000);
  let services: Record<string, Service>;

  before(async () => {
    const { stdout } = await run('docker-compose', ['config'], { env: { ...process.env, JWT_SECRET: 'x'.repeat(40), TRANSCRIPT_SIGNING_KEY: 'the-pem' } });
    services = (parse(stdout) as { services: Record<string, Service> }).services;
  });

  const published = (s: Service) => (s.ports ?? []).map((p) => (typeof p === 'string' ? p : `${p.published}:${p.target}`));

  it('has the production topology', () => {
    assert.deepEqual(Object.keys(services).sort(), ['api', 'gateway-1', 'gateway-2', 'migrate', 'notification', 'postgres', 'rabbitmq']);
    assert.deepEqual(services.api!.command, ['node', 'dist/main.js', 'api']);
    assert.deepEqual(services['gateway-1']!.command, ['node', 'dist/main.js', 'gateway']);
    assert.deepEqual(services['gateway-2']!.command, ['node', 'dist/main.js', 'gateway']);
    assert.deepEqual(services.notification!.command, ['node', 'dist/main.js', 'notification']);
    assert.deepEqual(services.migrate!.command, ['node', 'dist/main.js', 'migrate']);
  });

  it('publishes the documented ports, including the management UI', () => {
    assert.deepEqual(published(services.api!), ['8080:8080']);
    assert.deepEqual(published(services['gateway-1']!), ['8081:8081']);
    assert.deepEqual(published(services['gateway-2']!), ['8083:8081']);
    assert.deepEqual(published(services.notification!), ['8082:8082']);
    assert.ok(published(services.rabbitmq!).includes('15672:15672'));
    assert.match(String(services.rabbitmq!.image), /management/);
  });

  it('starts the roles only after healthy services and a successful migration', () => {
    for (const name of ['api', 'gateway-1', 'gateway-2', 'notification']) {
      const deps = services[name]!.depends_on!;
      assert.equal(deps.postgres!.condition, 'service_healthy', name);
      assert.equal(deps.rabbitmq!.condition, 'service_healthy', name);
      assert.equal(deps.migrate!.condition, 'service_completed_successfully', name);
    }
    assert.equal(services.migrate!.restart, 'no');
    assert.ok(services.postgres!.healthcheck && services.rabbitmq!.healthcheck);
  });

  it('gives every role the production environment of docs/contract.md', () => {
    for (const name of ['api', 'gateway-1', 'gateway-2', 'notification', 'migrate']) {
      const env = services[name]!.environment!;
      assert.equal(env.NODE_ENV, 'production', name);
      assert.match(env.DATABASE_URL!, /^postgresql:\/\/.*@postgres:5432\//, name);
      assert.match(env.AMQP_URL!, /^amqp:\/\/.*@rabbitmq:5672/, name);
      assert.equal(env.JWT_SECRET, 'x'.repeat(40), name);
    }
  });

  it('refuses to resolve without JWT_SECRET', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TRANSCRIPT_SIGNING_KEY: 'the-pem' };
    delete env.JWT_SECRET;
    await assert.rejects(run('docker-compose', ['config', '-q'], { env }), /JWT_SECRET/);
  });

  it('gives the api, and only the api, the transcript signing key, and refuses to resolve without it', async () => {
    assert.equal(services.api!.environment!.TRANSCRIPT_SIGNING_KEY, 'the-pem');
    for (const name of ['gateway-1', 'gateway-2', 'notification', 'migrate'])
      assert.equal(services[name]!.environment!.TRANSCRIPT_SIGNING_KEY, undefined, name);
    const env: NodeJS.ProcessEnv = { ...process.env, JWT_SECRET: 'x'.repeat(40) };
    delete env.TRANSCRIPT_SIGNING_KEY;
    await assert.rejects(run('docker-compose', ['config', '-q'], { env }), /TRANSCRIPT_SIGNING_KEY/);
  });
});

describe('Dockerfile', () => {
  it('builds in stages and runs as a non-root user with production dependencies only', async () => {
    const text = await readFile('Dockerfile', 'utf8');
    assert.equal(text.match(/^FROM /gm)?.length, 2);
    assert.match(text, /npm prune --omit=dev/);
    assert.match(text, /^USER node$/m);
    assert.match(text, /^HEALTHCHECK /m);
  });
});
