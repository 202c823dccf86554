import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes reviewed SQL migrations into /migrations; they are applied at start.
export default defineConfig({
  dialect: 'postgresql',
  schema: './apps/server/src/storage/schema.ts',
  out: './migrations',
});
