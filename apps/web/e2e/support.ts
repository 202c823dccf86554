// Shared pieces of the e2e tests: the REST API of the server under test, a local HTTP receiver,
// direct access to its database, and the orders data of issue #2.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Page } from '@playwright/test';
import type { Graph } from '@sluice/shared';

export const SCREENSHOTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
export const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });

export function baseUrl(): string {
  const url = process.env.SLUICE_E2E_URL;
  if (!url) throw new Error('SLUICE_E2E_URL is unset: run through playwright.config.ts (global setup)');
  return url;
}

export async function api<T>(method: string, route: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: T }> {
  const auth = { authorization: `Bearer ${process.env.SLUICE_E2E_TOKEN}` };
  const res = await fetch(`${baseUrl()}${route}`, {
    method,
    headers: body === undefined ? auth : { ...auth, 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export function database(): pg.Pool {
  const pool = new pg.Pool({ connectionString: process.env.SLUICE_E2E_DATABASE_URL, max: 2 });
  pool.on('error', () => {});
  return pool;
}

export interface Order {
  id: string;
  customer_email: string;
  items: { sku: string; price: number; qty: number }[];
  total: number;
}

/** `n` orders; every 10th (i % 10 === 9) has a total 5 more than its items. */
export function makeOrders(n: number, prefix = 'o'): Order[] {
  return Array.from({ length: n }, (_, i) => {
    const items = [
      { sku: `A-${i % 7}`, price: 10, qty: (i % 3) + 1 },
      { sku: `B-${i % 5}`, price: 4.5, qty: 2 },
    ];
    const total = items.reduce((s, it) => s + it.price * it.qty, 0);
    return { id: `${prefix}-${i}`, customer_email: `Customer${i}@Example.COM`, items, total: i % 10 === 9 ? total + 5 : total };
  });
}

/** A receiver that answers 200 to everything and remembers the Idempotency-Keys it saw. */
export async function startReceiver(): Promise<{ url: string; keys: Set<string>; close(): Promise<void> }> {
  const keys = new Set<string>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = req.headers['idempotency-key'];
      if (typeof key === 'string') keys.add(key);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`,
    keys,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The orders flow of issue #2, as data (the canvas test builds the same one by hand). */
export function ordersGraph(name: string, receiverUrl: string, table: string): Graph {
  const at = (x: number, y: number) => ({ x, y });
  return {
    name,
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: at(0, 120) },
      {
        id: 'map',
        type: 'transform.map',
        position: at(260, 120),
        config: {
          mappings: [
            { target: 'order_id', source: 'id' },
            { target: 'email', source: 'customer_email', op: 'lowercase' },
            { target: 'item_count', expression: '$count(items)' },
            { target: 'items', source: 'items' },
            { target: 'total', source: 'total' },
          ],
        },
      },
      {
        id: 'rules',
        type: 'validate.rules',
        position: at(520, 120),
        config: { rules: [{ name: 'total_matches', expression: '$abs(total - $sum(items.(price * qty))) <= 0.01', message: 'total must equal the sum of price × qty' }] },
      },
      { id: 'mask', type: 'transform.mask', position: at(780, 120), config: { fields: [{ path: 'email', strategy: 'email' }] } },
      { id: 'http', type: 'sink.http', position: at(1040, 40), config: { url: receiverUrl, retry: { strategy: 'fixed', maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 1000 } } },
      {
        id: 'pg',
        type: 'sink.postgres',
        position: at(1040, 220),
        config: {
          connectionString: process.env.SLUICE_E2E_DATABASE_URL,
          table,
          columns: [{ name: 'order_id' }, { name: 'email' }, { name: 'total', type: 'numeric' }, { name: 'item_count', type: 'integer' }],
        },
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

/** Creates and deploys a flow through the API; returns its id. */
export async function deploy(graph: Graph): Promise<string> {
  const created = await api<{ id: string }>('POST', '/api/flows', graph);
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  const deployed = await api('POST', `/api/flows/${created.body.id}/deploy`);
  if (deployed.status !== 200) throw new Error(`deploy failed: ${JSON.stringify(deployed.body)}`);
  return created.body.id;
}

export async function ingest(flowId: string, orders: Order[], batch = 250): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < orders.length; i += batch) {
    const res = await api<{ ids: string[] }>('POST', `/api/flows/${flowId}/ingest`, orders.slice(i, i + batch));
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}`);
    ids.push(...res.body.ids);
  }
  return ids;
}
