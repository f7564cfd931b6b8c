// The real services the integration suites use. Unless TEST_PG_ADMIN_URL / TEST_AMQP_URL point
// at existing ones, this run gets a PostgreSQL and a RabbitMQ of its own (see
// docs/development.md): started when a suite first imports this module, removed when the run
// ends (mocha's global teardown in ./services/teardown.ts, a signal, or the process dying).
// Child processes inherit the URLs through the same variables, so they use the same services.
import { generateKeyPairSync } from 'node:crypto';
import { useServices } from './services/for-this-run.js';

const services = await useServices();

export const PG_ADMIN_URL = services.pgAdminUrl;
export const AMQP_URL = services.amqpUrl;
/** The RabbitMQ node this run started (undefined when TEST_AMQP_URL names someone else's broker). */
export const PRIVATE_RABBITMQ = services.rabbitmq;
export const JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';
/** The api's transcript signing key in tests (TRANSCRIPT_SIGNING_KEY), one per run, for every process. */
export const TRANSCRIPT_SIGNING_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** What production-mode processes in tests require on /metrics (METRICS_TOKEN). */
export const METRICS_TOKEN = 'test-metrics-token-0123456789';
