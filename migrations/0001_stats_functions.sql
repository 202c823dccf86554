-- Helpers for the stats flush: add per-port counts (jsonb objects of numbers) and latency
-- histograms (bigint arrays of equal or differing length) element by element.
CREATE OR REPLACE FUNCTION sluice_add_counts(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_object_agg(k, v), '{}'::jsonb)
  FROM (
    SELECT key AS k, sum(value::bigint) AS v
    FROM (SELECT * FROM jsonb_each_text(coalesce(a, '{}'::jsonb))
          UNION ALL SELECT * FROM jsonb_each_text(coalesce(b, '{}'::jsonb))) e
    GROUP BY key
  ) s
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION sluice_add_arrays(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i), '{}'::bigint[])
  FROM unnest(coalesce(a, '{}'::bigint[]), coalesce(b, '{}'::bigint[])) WITH ORDINALITY AS t(x, y, i)
$$;
