import type pg from 'pg';
import { insertChunks, type NewChunk } from './insert-chunks.js';
import { inTransaction } from '../db.js';

export interface RunPageCommit {
  runId: string;
  /** 1-based, in fetch order; a page already committed under this number is not committed again. */
  pageNo: number;
  keys: (string | number)[] | null;
  /** The source's cursor after this page (where a resumed run continues). */
  cursor: unknown;
  /** The highest watermark value among the run's records so far. */
  watermarkTo: string | number | null;
  /** Items of the page that could not be read (a bad line of a file): dead letters at the source, counted as fetched and dead-lettered. */
  rejects?: PageReject[];
}

export interface PageReject {
  recordId: string;
  /** The line of the file where the item starts (1-based). */
  line: number;
  /** The item as read (cut to 10,000 characters). */
  raw: string;
  message: string;
}

/**
 * Commits one page of a run: its records as chunks with their jobs, the page mark, and the run's
 * fetched count and cursor, all in one transaction. A page committed before (a run job replayed
 * after a crash) is refused whole, so a record is never taken in twice. Returns false then.
 */
export async function commitRunPage(
  pool: pg.Pool,
  source: { flowId: string; version: number; nodeId: string },
  page: RunPageCommit,
  chunks: NewChunk[],
  recordCount: number,
): Promise<boolean> {
  try {
    return await inTransaction(pool, async (client) => {
      const mark = await client.query(
        'INSERT INTO run_pages (run_id, page_no, record_count, keys) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT DO NOTHING',
        [page.runId, page.pageNo, recordCount, page.keys === null ? null : JSON.stringify(page.keys)],
      );
      if (mark.rowCount !== 1) {
        return false;
      }
      await insertChunks(client, chunks);
      const rejects = page.rejects ?? [];
      if (rejects.length > 0) {
        const now = new Date().toISOString();
        await client.query(
          `INSERT INTO dead_letters (flow_id, version, node_id, record_id, correlation_id, received_at, record, error)
           SELECT $1::uuid, $2::int, $3, x.record_id, $4, $5::timestamptz, x.record, x.error
           FROM jsonb_to_recordset($6::jsonb) AS x(record_id uuid, record jsonb, error jsonb)
           ON CONFLICT (record_id, node_id, generation) DO NOTHING`,
          [
            source.flowId,
            source.version,
            source.nodeId,
            page.runId,
            now,
            JSON.stringify(
              rejects.map((r) => ({
                record_id: r.recordId,
                record: { line: r.line, text: r.raw.slice(0, 10_000) },
                error: { kind: 'invalid', message: `line ${r.line}: ${r.message}` },
              })),
            ),
          ],
        );
      }
      await client.query(
        `UPDATE runs SET fetched = fetched + $2, dead_lettered = dead_lettered + $6, pages = greatest(pages, $3), cursor = $4::jsonb, watermark_to = $5::jsonb
         WHERE id = $1`,
        [page.runId, recordCount + rejects.length, page.pageNo, JSON.stringify(page.cursor ?? null), JSON.stringify(page.watermarkTo), rejects.length],
      );
      return true;
    });
  } catch (err) {
    throw new Error(`could not commit page ${page.pageNo} of run ${page.runId}`, { cause: err });
  }
}
