import type { RabbitMqNode } from './rabbitmq-instance.js';
import { startThrowawayServices, type ServicesRequest, type ThrowawayServices } from './throwaway.js';

/** Set (JSON) when the broker at TEST_AMQP_URL is one this run started, so a child may stop or kill it too. */
export const RABBITMQ_NODE_VARIABLE = 'TEST_RABBITMQ_NODE';

let owned: ThrowawayServices | undefined;
let stopping: Promise<void> | undefined;
const EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

export interface RunServices {
  pgAdminUrl: string;
  amqpUrl: string;
  rabbitmq?: RabbitMqNode;
}

export interface UseServicesOptions extends Pick<ServicesRequest, 'webStomp'> {
  /**
   * Stop them and exit on SIGINT, SIGTERM or SIGHUP (default). A program with clean-up of its
   * own that needs them (the bench) says false and calls stopOwnedServices after it.
   */
  stopOnSignal?: boolean;
}

let using: { options: UseServicesOptions; services: Promise<RunServices> } | undefined;

/**
 * The services of this test run: those named by TEST_PG_ADMIN_URL / TEST_AMQP_URL, and a
 * throwaway instance of each one not named. The URLs go into those variables so that child
 * processes use the same ones. Every caller in a process shares the first call's services
 * (modules with top-level await may call it concurrently), so the first call sets the options.
 */
export function useServices(options: UseServicesOptions = {}): Promise<RunServices> {
  if (using && options.webStomp && !using.options.webStomp) {
    return Promise.reject(new Error('Web-STOMP was asked for after the services were started without it: the bench imports bench/settings.ts first'));
  }
  using ??= { options, services: startServices(options) };
  return using.services;
}

async function startServices(options: UseServicesOptions): Promise<RunServices> {
  const request: ServicesRequest = { postgres: !process.env.TEST_PG_ADMIN_URL, rabbitmq: !process.env.TEST_AMQP_URL, webStomp: options.webStomp };
  if (request.postgres || request.rabbitmq) {
    owned = await startThrowawayServices(request);
    // Interrupted: the services go first, then the run (mocha's wrapper sends SIGINT and
    // SIGTERM together; both wait for the same stop).
    if (options.stopOnSignal ?? true) {
      for (const [signal, code] of Object.entries(EXIT_CODES)) {
        process.once(signal, () => void stopOwnedServices().finally(() => process.exit(code)));
      }
    }
    if (owned.pgAdminUrl) process.env.TEST_PG_ADMIN_URL = owned.pgAdminUrl;
    if (owned.amqpUrl) process.env.TEST_AMQP_URL = owned.amqpUrl;
    if (owned.rabbitmq) process.env[RABBITMQ_NODE_VARIABLE] = JSON.stringify(owned.rabbitmq);
  }
  const node = process.env[RABBITMQ_NODE_VARIABLE];
  return {
    pgAdminUrl: process.env.TEST_PG_ADMIN_URL!,
    amqpUrl: process.env.TEST_AMQP_URL!,
    rabbitmq: node ? (JSON.parse(node) as RabbitMqNode) : undefined,
  };
}

/** Stops the services this process started, if any (a no-op in a child that inherited them). */
export function stopOwnedServices(): Promise<void> {
  return (stopping ??= owned ? owned.stop() : Promise.resolve());
}
