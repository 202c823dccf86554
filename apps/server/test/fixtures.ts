// Shared test data: the orders flow of issue #2 and a local HTTP receiver that records what it got.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Graph } from '@sluice/shared';

export interface Order {
  id: string;
  customer_email: string;
  items: { sku: string; price: number; qty: number }[];
  total: number;
}

/** `n` orders; every 10th (i % 10 === 9) has a total that does not match its items. */
export function makeOrders(n: number, prefix = 'o'): Order[] {
  const orders: Order[] = [];
  for (let i = 0; i < n; i++) {
    const items = [
      { sku: `A-${i % 7}`, price: 9.99, qty: (i % 3) + 1 },
      { sku: `B-${i % 5}`, price: 4.5, qty: 2 },
    ];
    const total = Math.round(items.reduce((s, it) => s + it.price * it.qty, 0) * 100) / 100;
    orders.push({ id: `${prefix}-${i}`, customer_email: `Customer${i}@Example.COM`, items, total: i % 10 === 9 ? total + 5 : total });
  }
  return orders;
}

export function ordersFlow(options: { receiverUrl: string; databaseUrl: string; table?: string; retry?: Record<string, unknown>; httpBatchSize?: number }): Graph {
  return {
    name: 'orders',
    description: 'webhook → map → rules → mask → HTTP + Postgres',
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
      {
        id: 'map',
        type: 'transform.map',
        config: {
          mappings: [
            { target: 'order_id', source: 'id' },
            { target: 'email', source: 'customer_email', op: 'lowercase' },
            { target: 'item_count', expression: '$count(items)' },
            { target: 'items', source: 'items' },
            { target: 'total', source: 'total' },
          ],
        },
        position: { x: 200, y: 0 },
      },
      {
        id: 'rules',
        type: 'validate.rules',
        config: { rules: [{ name: 'total_matches_items', expression: '$abs(total - $sum(items.(price * qty))) <= 0.01', message: 'total must equal the sum of price × qty' }] },
        position: { x: 400, y: 0 },
      },
      { id: 'mask', type: 'transform.mask', config: { fields: [{ path: 'email', strategy: 'email' }] }, position: { x: 600, y: 0 } },
      {
        id: 'http',
        type: 'sink.http',
        config: {
          url: options.receiverUrl,
          batchSize: options.httpBatchSize ?? 1,
          timeoutMs: 5000,
          retry: options.retry ?? { strategy: 'fixed', maxAttempts: 10, baseDelayMs: 200, maxDelayMs: 2000 },
        },
        position: { x: 800, y: -100 },
      },
      {
        id: 'pg',
        type: 'sink.postgres',
        config: {
          connectionString: options.databaseUrl,
          table: options.table ?? 'orders_out',
          createTable: true,
          columns: [
            { name: 'order_id', type: 'text' },
            { name: 'email', type: 'text' },
            { name: 'total', type: 'numeric' },
            { name: 'item_count', type: 'integer' },
          ],
        },
        position: { x: 800, y: 100 },
      },
    ],
    edges: [
      { id: 'e1', source: 'in', sourcePort: 'out', target: 'map' },
      { id: 'e2', source: 'map', sourcePort: 'out', target: 'rules' },
      { id: 'e3', source: 'rules', sourcePort: 'valid', target: 'mask' },
      { id: 'e4', source: 'mask', sourcePort: 'out', target: 'http' },
      { id: 'e5', source: 'mask', sourcePort: 'out', target: 'pg' },
    ],
  };
}

export interface ReceivedRequest {
  idempotencyKey: string | undefined;
  correlationId: string | undefined;
  body: unknown;
  status: number;
  /** Date.now() when the request arrived. */
  at: number;
}

/**
 * A local HTTP receiver. `respond(n)` decides the status for the n-th request (0-based) and may set
 * headers; requests answered 2xx are the delivered ones.
 */
export async function startReceiver(
  respond: (n: number, body: unknown) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 }),
): Promise<{ url: string; requests: ReceivedRequest[]; delivered: () => ReceivedRequest[]; close(): Promise<void> }> {
  const requests: ReceivedRequest[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8'));
      } catch {
        body = Buffer.concat(parts).toString('utf8');
      }
      const answer = respond(n++, body);
      requests.push({
        idempotencyKey: header(req.headers['idempotency-key']),
        correlationId: header(req.headers['x-correlation-id']),
        body,
        status: answer.status,
        at: Date.now(),
      });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
      res.end(JSON.stringify({ status: answer.status, note: answer.status >= 400 ? 'the receiver refused this' : 'ok' }));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/orders`,
    requests,
    delivered: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * webhook → rules (`n` must be even; the invalid port unwired, so odd records are dead letters)
 * → log sink: half of `{ n }` records delivered, half dead-lettered at node `even`.
 */
export function evenFlow(name: string): Graph {
  const at = { x: 0, y: 0 };
  return {
    name,
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: at },
      { id: 'even', type: 'validate.rules', config: { rules: [{ name: 'even', expression: 'n % 2 = 0', message: 'n must be even' }] }, position: at },
      { id: 'out', type: 'sink.log', config: { includeData: false }, position: at },
    ],
    edges: [
      { id: 'e1', source: 'in', sourcePort: 'out', target: 'even' },
      { id: 'e2', source: 'even', sourcePort: 'valid', target: 'out' },
    ],
  };
}
