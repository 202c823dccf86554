// Node types: each one file under src/<kind>/, declared with `defineNode`. This list is the registry;
// nothing registers itself by import. Postgres and fetch come through the create context; broker
// nodes import their client library (amqplib, ioredis, nats, mqtt) and connect only when run, with
// the server keeping and closing the connections. Only the server imports this package: the web
// app reads node types from the API.
import type { NodeType } from './define.js';
import { webhookSource } from './source/webhook.js';
import { postgresSource } from './source/postgres.js';
import { mysqlSource } from './source/mysql.js';
import { httpSource } from './source/http.js';
import { fileSource } from './source/file.js';
import { amqpSource } from './source/amqp.js';
import { redisSource } from './source/redis.js';
import { natsSource } from './source/nats.js';
import { mqttSource } from './source/mqtt.js';
import { mapTransform } from './transform/map.js';
import { jsonataTransform } from './transform/jsonata.js';
import { maskTransform } from './transform/mask.js';
import { schemaValidator } from './validate/schema.js';
import { rulesValidator } from './validate/rules.js';
import { filterRoute } from './route/filter.js';
import { httpSink } from './sink/http.js';
import { postgresSink } from './sink/postgres.js';
import { logSink } from './sink/log.js';
import { amqpSink } from './sink/amqp.js';
import { redisSink } from './sink/redis.js';
import { natsSink } from './sink/nats.js';
import { mqttSink } from './sink/mqtt.js';

export const nodeTypes: readonly NodeType[] = [
  webhookSource,
  postgresSource,
  mysqlSource,
  httpSource,
  fileSource,
  amqpSource,
  redisSource,
  natsSource,
  mqttSource,
  mapTransform,
  jsonataTransform,
  maskTransform,
  schemaValidator,
  rulesValidator,
  filterRoute,
  httpSink,
  postgresSink,
  logSink,
  amqpSink,
  redisSink,
  natsSink,
  mqttSink,
];

const byType = new Map(nodeTypes.map((t) => [t.type, t]));

export function findNodeType(type: string): NodeType | undefined {
  return byType.get(type);
}

export * from './define.js';
export { WebhookAuthSchema, type WebhookAuth } from './source/webhook.js';
export { RetryPolicySchema, retryDelayMs } from './retry.js';
export { compileExpression, NOT_DIRECT, type Expression } from './jsonata.js';
export { EgressRefusedError } from './egress.js';
export { MAX_RAW_CHARS } from './consume.js';
export { createMasker, maskValue } from './transform/mask.js';
export { parseRetryAfter } from './sink/http.js';
export { cronProblem, laterWatermark } from './source/pull.js';
export { getPath, pathReader } from './path.js';
