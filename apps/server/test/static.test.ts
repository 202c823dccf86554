import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { webAppRoutes } from '../src/http/static.js';

async function serve(dist: string): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(webAppRoutes(dist));
  app.use((_req, res) => res.status(404).json({ error: { code: 'not_found' } }));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('serving the web app', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('serves index.html for client routes, assets with long caching, and leaves /api alone', async () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dist-'));
    dirs.push(dist);
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<div id="root"></div>');
    fs.writeFileSync(path.join(dist, 'assets', 'app-1234.js'), 'console.log(1)');
    const s = await serve(dist);
    try {
      for (const route of ['/', '/flows/abc', '/dead-letters']) {
        const res = await fetch(`${s.url}${route}`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('<div id="root"></div>');
        expect(res.headers.get('cache-control')).toBe('no-cache');
      }
      const asset = await fetch(`${s.url}/assets/app-1234.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toMatch(/immutable/);
      expect((await fetch(`${s.url}/assets/missing.js`)).status).toBe(404);
      expect((await fetch(`${s.url}/api/flows`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('says how to build it when it has not been built', async () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dist-'));
    dirs.push(dist);
    const s = await serve(dist);
    try {
      const res = await fetch(`${s.url}/flows/abc`);
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/npm run build -w apps\/web/);
    } finally {
      await s.close();
    }
  });
});
