import type { EngineRecord } from '@sluice/shared';
import { freshChunks, insertChunks, type ChunkWriter, type NewChunk } from '../storage/sql/index.js';
import { isDatabaseUnavailable } from '../storage/db-errors.js';

export interface CommitRequest {
  flowId: string;
  version: number;
  nodeId: string;
  chunkSize: number;
  parallelism: number;
  records: EngineRecord[];
  /** Set for flows that encrypt at rest: turns a chunk's JSON into its sealed JSON. Default none. */
  seal?: (json: string) => string;
}

interface Pending extends CommitRequest {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Group commit: ingest requests that arrive while a commit is under way share the next one. Records
 * of the same (flow, version, source) are packed into common chunks, and every chunk of the batch
 * plus its job is written by one statement. Each caller's promise resolves only after that commit.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  /**
   * @param maxInFlight commits running at once (pool connections used). Default 1: every commit
   * makes at least one chunk job, and once ingest no longer went through express, two commits in
   * flight made so many small jobs at a steady 1,000 records/s that the worker fell seconds behind
   * (p50 ingest-to-sink 1.4 s against 38 ms with one); one in flight also answered as many
   * single-record requests or more (bench/RESULTS.md, "ingest fast path").
   */
  constructor(
    private readonly pool: ChunkWriter,
    private readonly maxInFlight = 1,
    private readonly maxRecordsPerCommit = 20_000,
  ) {}

  commit(request: CommitRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...request, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // Let requests parsed in the same turn of the event loop join this commit.
    setImmediate(() => {
      this.scheduled = false;
      this.flushNext();
    });
  }

  private flushNext(): void {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    const batch: Pending[] = [];
    let records = 0;
    while (this.queue.length > 0 && (batch.length === 0 || records + this.queue[0]!.records.length <= this.maxRecordsPerCommit)) {
      const next = this.queue.shift()!;
      batch.push(next);
      records += next.records.length;
    }
    this.inFlight += 1;
    insertChunks(this.pool, toChunks(batch))
      .then(() => batch.forEach((p) => p.resolve()))
      .catch(async (err) => {
        // One request's records may be what the database refused: then the others must not fail
        // with it. Commit each alone (a rare path), unless the database itself is unreachable.
        if (batch.length === 1 || isDatabaseUnavailable(err)) {
          batch.forEach((p) => p.reject(err));
          return;
        }
        await Promise.all(
          batch.map((p) =>
            insertChunks(this.pool, toChunks([p])).then(
              () => p.resolve(),
              (alone: unknown) => p.reject(alone),
            ),
          ),
        );
      })
      .finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
    this.schedule();
  }
}

function toChunks(batch: Pending[]): NewChunk[] {
  const groups = new Map<string, { head: Pending; records: EngineRecord[] }>();
  for (const p of batch) {
    const key = `${p.flowId}\u0000${p.version}\u0000${p.nodeId}`;
    const group = groups.get(key);
    if (group) group.records.push(...p.records);
    else groups.set(key, { head: p, records: [...p.records] });
  }
  return [...groups.values()].flatMap(({ head, records }) => freshChunks(head, records));
}
