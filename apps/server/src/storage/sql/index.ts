// Hot-path SQL written by hand: one function per statement, batched with unnest / jsonb_to_recordset
// so that a request or a chunk costs one round trip, never one per record.
export { chunkQueue, freshChunks, insertChunks, type ChunkTarget, type ChunkWriter, type NewChunk } from './insert-chunks.js';
export { chunkRecordsFrom, chunkRecordsJson } from './chunk-records.js';
export { loadChunks, type LoadedChunk } from './load-chunk.js';
export { completeChunk, DEAD_LETTER_SAMPLE, finishRunWhenSettled, type NewDeadLetter, type ChunkCompletion, type CompletedChunk, type RunOutcome } from './complete-chunk.js';
export { flushStats, type StatsDelta } from './flush-stats.js';
export { flowBacklog } from './flow-backlog.js';
export { seeQualityKeys } from './see-quality-keys.js';
export { commitRunPage, type PageReject, type RunPageCommit } from './commit-page.js';
export { insertSourceDeadLetters, type SourceDeadLetter } from './insert-source-dead-letters.js';
