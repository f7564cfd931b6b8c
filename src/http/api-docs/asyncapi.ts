// The AsyncAPI 3 document of the realtime side, generated from the contract: the STOMP
// destinations a client subscribes to on the gateway, and the RabbitMQ routing keys the system
// publishes its events under. A test checks real MESSAGE bodies against it.
import { apiErrorSchema, chatMessageSchema } from '../../contract/shapes.js';
import { EVENT_SCHEMAS, presenceEventSchema } from '../../contract/events.js';
import { DESTINATION_PAYLOADS, DESTINATION_TEMPLATES, SUBSCRIBERS, type DestinationKind } from '../../contract/destinations.js';
import { APP_DESTINATION_EFFECTS, APP_DESTINATION_KINDS, APP_DESTINATION_PAYLOADS, APP_DESTINATION_TEMPLATES } from '../../contract/app-destinations.js';
import { z } from 'zod';
import { chatBody, readBody } from '../validation.js';
import { DEFAULT_EXCHANGE, EVENT_TYPE_OF, ROUTING_KEYS, TRANSIENT_ROUTING_KEYS, type RoutingKey } from '../../contract/routing-keys.js';
import { components, PACKAGE_VERSION, type JsonSchema } from './json-schemas.js';

const PAYLOADS = { ...EVENT_SCHEMAS, ChatMessage: chatMessageSchema, UserError: apiErrorSchema, PresenceEvent: presenceEventSchema };
// What clients SEND, as the REST routes read them (input, before their transforms).
const SEND_PAYLOADS = {
  ChatSend: chatBody,
  ReadSend: readBody,
  TypingSend: z.object({}).meta({ description: 'Any JSON object, or no body: nothing in it is read.' }),
};
type PayloadName = keyof typeof PAYLOADS | keyof typeof SEND_PAYLOADS;

const MESSAGE_TITLES: Record<PayloadName, string> = {
  TradeStatusEvent: 'A trade changed status (or was opened: previousStatus null).',
  ChatMessageEvent: 'A chat message was stored (chat.system: a system message).',
  NotificationEvent: 'A notification was stored for a user.',
  ReadReceiptEvent: "A party's last-read chat seq moved forwards.",
  ChatMessage: 'A chat message, in the same shape as the REST API returns it.',
  ChatSend: 'A chat message to send, as the body of POST /p2p/trades/{tradeId}/chat.',
  ReadSend: 'The last chat seq read, as the body of POST /p2p/trades/{tradeId}/read.',
  TypingSend: 'A typing signal.',
  UserError: 'A SEND refused as a user error (the REST error codes); header `receipt-id` is the SEND’s `receipt`.',
  GatewayPresenceEvent: 'Between gateways: the (trade, user) pairs one gateway holds, or changes to them.',
  TypingEvent: 'A party is typing in the trade chat (sent over STOMP, relayed by the gateways, never stored).',
  PresenceEvent: 'A party went online or offline in the trade (subscribed to its chat on some gateway, or no longer).',
};

const PARAMETERS: Record<string, string> = {
  tradeId: 'A trade id, lower case as the API returns it.',
  userId: 'The subscriber’s own user id (the JWT `sub`).',
};

const ref = (path: string) => ({ $ref: path });

function channel(address: string, server: string, payload: PayloadName, extra: JsonSchema): JsonSchema {
  const names = [...address.matchAll(/\{(\w+)\}/g)].map(([, name]) => name!);
  return {
    address,
    servers: [ref(`#/servers/${server}`)],
    messages: { [payload]: ref(`#/components/messages/${payload}`) },
    ...(names.length ? { parameters: Object.fromEntries(names.map((name) => [name, { description: PARAMETERS[name] }])) } : {}),
    ...extra,
  };
}

function destinationChannels(): Record<string, JsonSchema> {
  return Object.fromEntries(
    (Object.keys(DESTINATION_TEMPLATES) as DestinationKind[]).map((kind) => [
      `stomp-${kind}`,
      channel(DESTINATION_TEMPLATES[kind], 'gateway', DESTINATION_PAYLOADS[kind], {
        description: `STOMP destination. Who may subscribe: ${SUBSCRIBERS[kind]}. Anyone else gets an ERROR frame, then a close.`,
      }),
    ]),
  );
}

const DELIVERY = {
  durable: 'Persistent, from the outbox, at least once; messageId = eventId, type = the event name.',
  transient: 'Published by the gateways themselves: not persistent, at most once, never stored; messageId = a fresh id, type = the event name.',
};

function appChannels(): Record<string, JsonSchema> {
  return Object.fromEntries(
    APP_DESTINATION_KINDS.map((kind) => [
      `app-${kind}`,
      channel(APP_DESTINATION_TEMPLATES[kind], 'gateway', APP_DESTINATION_PAYLOADS[kind], {
        description: `STOMP SEND destination. ${APP_DESTINATION_EFFECTS[kind]} A RECEIPT after the commit; a refusal is a user error on /user/queue/errors (docs/gateway.md).`,
      }),
    ]),
  );
}

function routingKeyChannels(): Record<string, JsonSchema> {
  const keys = [
    ...Object.entries(ROUTING_KEYS).map(([name, key]) => [name, key, DELIVERY.durable] as const),
    ...Object.entries(TRANSIENT_ROUTING_KEYS).map(([name, key]) => [name, key, DELIVERY.transient] as const),
  ];
  return Object.fromEntries(
    keys.map(([name, key, delivery]: readonly [string, RoutingKey, string]) => [
      `amqp-${name}`,
      channel(key, 'rabbitmq', EVENT_TYPE_OF[key], {
        description: `Routing key on the topic exchange (default \`${DEFAULT_EXCHANGE}\`, AMQP_EXCHANGE). ${delivery}`,
        bindings: {
          amqp: {
            is: 'routingKey',
            exchange: { name: DEFAULT_EXCHANGE, type: 'topic', durable: true, autoDelete: false, vhost: '/' },
            bindingVersion: '0.3.0',
          },
        },
      }),
    ]),
  );
}

/**
 * The system sends on every channel (the gateway to subscribers, the api and worker to the
 * exchange) except the application destinations, where the gateway receives clients' SENDs.
 */
function operations(channels: Record<string, JsonSchema>): Record<string, JsonSchema> {
  return Object.fromEntries(
    Object.entries(channels).map(([name, value]) => {
      const [payload] = Object.keys(value.messages as object);
      const action = name.startsWith('app-') ? 'receive' : 'send';
      return [`${action}-${name}`, { action, channel: ref(`#/channels/${name}`), messages: [ref(`#/channels/${name}/messages/${payload}`)] }];
    }),
  );
}

export function asyncApiDocument(): JsonSchema {
  const channels = { ...destinationChannels(), ...appChannels(), ...routingKeyChannels() };
  const uri = (id: string) => `#/components/schemas/${id}`;
  const schemas = { ...components(PAYLOADS, { io: 'output', target: 'draft-7', uri }), ...components(SEND_PAYLOADS, { io: 'input', target: 'draft-7', uri }) };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'P2P realtime gateway: STOMP destinations and RabbitMQ events',
      version: PACKAGE_VERSION,
      description: 'See docs/contract.md and docs/gateway.md in the repository.',
    },
    defaultContentType: 'application/json',
    servers: {
      gateway: {
        host: 'localhost:8081',
        protocol: 'stomp',
        protocolVersion: '1.2',
        pathname: '/ws/websocket',
        description: 'The gateway role (8080 under `npm start`): plain WebSocket at /ws/websocket, SockJS at /ws.',
        security: [ref('#/components/securitySchemes/bearer')],
      },
      rabbitmq: { host: 'localhost:5672', protocol: 'amqp', protocolVersion: '0-9-1', description: 'The broker (AMQP_URL).' },
    },
    channels,
    operations: operations(channels),
    components: {
      securitySchemes: {
        bearer: { type: 'httpApiKey', name: 'Authorization', in: 'header', description: 'The CONNECT frame’s `Authorization: Bearer <JWT>` header.' },
      },
      messages: Object.fromEntries(
        ([...Object.keys(PAYLOADS), ...Object.keys(SEND_PAYLOADS)] as PayloadName[]).map((name) => [
          name,
          { name, title: MESSAGE_TITLES[name], contentType: 'application/json', payload: ref(`#/components/schemas/${name}`) },
        ]),
      ),
      schemas,
    },
  };
}
