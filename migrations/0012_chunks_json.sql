-- Chunks hold their records as JSON text: written once, read once whole, never queried inside, so
-- Postgres need only check the text rather than convert it to jsonb and back.
ALTER TABLE "chunks" ALTER COLUMN "records" SET DATA TYPE json USING "records"::json;
