import type { EngineRecord } from '@sluice/shared';

/**
 * A chunk's records as stored in `chunks.records`: a JSON array of records in which a record leaves
 * out its `correlationId` and `receivedAt` when they equal the record's before it. The records of
 * one ingest request share both, and they were half of every stored record (an order of ~150
 * characters carried ~100 more of them): the text Sluice serialises, Postgres compresses, logs
 * and sends back, and the worker parses. The first record of a chunk always carries both, so a
 * chunk reads alone; chunks written before this format carry them on every record and read the same.
 */
export function chunkRecordsJson(records: readonly EngineRecord[]): string {
  let text = '[';
  let correlationId: string | undefined;
  let receivedAt: string | undefined;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    text += `${i === 0 ? '' : ','}{"id":${JSON.stringify(record.id)}`;
    if (record.correlationId !== correlationId) {
      correlationId = record.correlationId;
      text += `,"correlationId":${JSON.stringify(correlationId)}`;
    }
    if (record.receivedAt !== receivedAt) {
      receivedAt = record.receivedAt;
      text += `,"receivedAt":${JSON.stringify(receivedAt)}`;
    }
    if (record.generation !== undefined) text += `,"generation":${record.generation}`;
    // `data` is whatever the source produced; undefined is stored as null, as JSON.stringify would.
    text += `,"data":${JSON.stringify(record.data) ?? 'null'}}`;
  }
  return `${text}]`;
}

/**
 * The records of a stored chunk (the parsed `chunks.records`), each with its correlation id and
 * receive time filled in. Checks the envelope only (the full EngineRecordSchema was applied when
 * the records were made and costs too much per record here); throws naming the first record at
 * fault, which fails the job rather than running records of unknown shape.
 */
export function chunkRecordsFrom(stored: unknown): EngineRecord[] {
  if (!Array.isArray(stored)) throw new Error(`a chunk's records are ${stored === null ? 'null' : typeof stored}, not an array`);
  const records: EngineRecord[] = new Array(stored.length);
  let correlationId: unknown;
  let receivedAt: unknown;
  for (let i = 0; i < stored.length; i++) {
    const item: unknown = stored[i];
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new Error(`record [${i}] of the chunk is not an object`);
    const fields = item as Record<string, unknown>;
    if (fields.correlationId !== undefined) correlationId = fields.correlationId;
    if (fields.receivedAt !== undefined) receivedAt = fields.receivedAt;
    const { id, generation } = fields;
    if (typeof id !== 'string') throw new Error(`record [${i}] of the chunk has no id`);
    if (typeof correlationId !== 'string') throw new Error(`record [${i}] of the chunk has no correlationId, nor a record before it`);
    if (typeof receivedAt !== 'string') throw new Error(`record [${i}] of the chunk has no receivedAt, nor a record before it`);
    if (generation !== undefined && !Number.isInteger(generation)) throw new Error(`record [${i}] of the chunk has a generation that is not a whole number`);
    records[i] =
      generation === undefined
        ? { id, correlationId, receivedAt, data: fields.data }
        : { id, correlationId, receivedAt, data: fields.data, generation: generation as number };
  }
  return records;
}
