import type pg from 'pg';
import { insertChunks, type NewChunk } from './insert-chunks.js';

export interface RunPageCommit {
  runId: string;
  /** 1-based, in fetch order; a page already committed under this number is not committed again. */
  pageNo: number;
  keys: (string | number)[] | null;
  /** The source's cursor after this page (where a resumed run continues). */
  cursor: unknown;
  /** The highest watermark value among the run's records so far. */
  watermarkTo: string | number | null;
}

/**
 * Commits one page of a run: its records as chunks with their jobs, the page mark, and the run's
 * fetched count and cursor, all in one transaction. A page committed before (a run job replayed
 * after a crash) is refused whole, so a record is never taken in twice. Returns false then.
 */
export async function commitRunPage(pool: pg.Pool, page: RunPageCommit, chunks: NewChunk[], recordCount: number): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const mark = await client.query(
      'INSERT INTO run_pages (run_id, page_no, record_count, keys) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT DO NOTHING',
      [page.runId, page.pageNo, recordCount, page.keys === null ? null : JSON.stringify(page.keys)],
    );
    if (mark.rowCount !== 1) {
      await client.query('ROLLBACK');
      return false;
    }
    await insertChunks(client, chunks);
    await client.query(
      `UPDATE runs SET fetched = fetched + $2, pages = greatest(pages, $3), cursor = $4::jsonb, watermark_to = $5::jsonb WHERE id = $1`,
      [page.runId, recordCount, page.pageNo, JSON.stringify(page.cursor ?? null), JSON.stringify(page.watermarkTo)],
    );
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw new Error(`could not commit page ${page.pageNo} of run ${page.runId}`, { cause: err });
  } finally {
    client.release();
  }
}
