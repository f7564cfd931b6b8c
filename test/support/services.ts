// The real services the integration suites use. On this project's machines and in CI they
// are always running (see .ci/run); override with TEST_PG_ADMIN_URL / TEST_AMQP_URL.
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';
