import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/** Where `npm run build -w apps/web` writes the editor. */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/**
 * Serves the web app at /: hashed assets cached for a year, and index.html for every other GET so
 * that client-side routes (/flows/:id) survive a reload.
 */
export function webAppRoutes(dist = WEB_DIST): Router {
  const router = Router();
  const index = path.join(dist, 'index.html');
  router.use('/assets', express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  router.use(express.static(dist, { index: false }));
  router.get(/^(?!\/api\/|\/socket\.io\/).*/, (_req, res) => {
    if (!fs.existsSync(index)) {
      res
        .status(503)
        .type('text/plain')
        .send('The web app has not been built. Run `npm start` (it builds it) or `npm run build -w apps/web`.');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
