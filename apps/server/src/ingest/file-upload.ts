// An uploaded file as a run of its source.file node: the body is read as a stream, parsed line by
// line, and committed a chunk at a time (the next bytes are read only after the commit, so a slow
// database slows the upload instead of filling memory). Bad lines become dead letters by line.
import { newRecordId } from './record-ids.js';
import { AppError, type Run } from '@sluice/shared';
import { getPath, type FileSettings } from '@sluice/nodes';
import type pg from 'pg';
import type { PlanCache } from '../compiler/plan-cache.js';
import type { Db } from '../storage/db.js';
import { getIngestTarget } from '../storage/flows.js';
import { endRun, getRun, markFetched, startRun } from '../storage/runs.js';
import type { PageReject } from '../storage/sql/index.js';
import { acceptWhenRoom } from '../engine/runs/run-pull.js';
import type { IngestService } from './ingest.js';
import { FileFormatError, readFile } from './file-reader.js';

export interface FileUploadDeps {
  pool: pg.Pool;
  db: Db;
  plans: PlanCache;
  ingest: IngestService;
}

/** The deployed flow's file source (named, or the only one) with its settings. */
async function fileSource(deps: FileUploadDeps, flowId: string, nodeId: string | undefined) {
  const target = await getIngestTarget(deps.db, flowId);
  if (!target) throw new AppError('not_found', `no flow with id ${flowId}`);
  if (target.status !== 'deployed' || target.version === null) throw new AppError('conflict', 'deploy the flow before uploading files to it');
  const plan = await deps.plans.get(flowId, target.version);
  if (!plan) throw new AppError('not_found', `no flow with id ${flowId}`);
  const files = new Map<string, FileSettings>();
  for (const id of plan.sources) {
    const runtime = plan.nodes.get(id)!.runtime;
    if (runtime.kind === 'source' && runtime.file) files.set(id, runtime.file);
  }
  if (nodeId !== undefined) {
    const settings = files.get(nodeId);
    if (!settings) throw new AppError('invalid_input', `node "${nodeId}" is not a file source of the deployed flow`, { details: { path: 'source' } });
    return { version: target.version, chunkSize: plan.settings.chunkSize, nodeId, settings };
  }
  if (files.size === 0) throw new AppError('conflict', 'this flow has no file source to upload to');
  if (files.size > 1) throw new AppError('invalid_input', `this flow has ${files.size} file sources; name one with ?source=<node id> (${[...files.keys()].join(', ')})`, { details: { path: 'source' } });
  const [only, settings] = [...files.entries()][0]!;
  return { version: target.version, chunkSize: plan.settings.chunkSize, nodeId: only, settings };
}

/**
 * Takes an uploaded file in: a run (trigger `file`) whose pages are the file's chunks. Resolves with
 * the run once every line is committed (its records then flow on like any others).
 */
export async function ingestFile(deps: FileUploadDeps, flowId: string, nodeId: string | undefined, body: AsyncIterable<Buffer>): Promise<Run> {
  const source = await fileSource(deps, flowId, nodeId);
  const run = await startRun(deps.pool, {
    flowId,
    nodeId: source.nodeId,
    version: source.version,
    trigger: 'file',
    settings: { overlap: 'allow', timeoutSeconds: source.settings.timeoutSeconds },
    withJob: false,
  });
  if (!run) throw new Error('the file run did not start');
  const deadline = Date.parse(run.startedAt) + source.settings.timeoutSeconds * 1000;
  let pageNo = 0;
  let records: Record<string, unknown>[] = [];
  let rejects: PageReject[] = [];
  let lastLine = 0;
  const commit = async () => {
    if (records.length === 0 && rejects.length === 0) return;
    pageNo += 1;
    const keyPath = source.settings.keyPath;
    await acceptWhenRoom(deps.ingest, {
      flowId,
      sourceNodeId: source.nodeId,
      data: records,
      correlationId: run.id,
      runPage: {
        runId: run.id,
        pageNo,
        keys: keyPath === undefined ? null : records.map((r) => String(getPath(r, keyPath))),
        cursor: { line: lastLine },
        watermarkTo: null,
        rejects,
      },
    });
    records = [];
    rejects = [];
  };
  try {
    for await (const item of readFile(body, source.settings)) {
      lastLine = item.line;
      if ('record' in item) records.push(item.record);
      else rejects.push({ recordId: newRecordId(), line: item.line, raw: item.raw, message: item.error });
      if (records.length + rejects.length >= source.chunkSize) {
        await commit();
        if (Date.now() > deadline) {
          await endRun(deps.pool, run.id, 'timed_out', `the upload did not finish within ${source.settings.timeoutSeconds} s`);
          return getRun(deps.pool, flowId, run.id);
        }
      }
    }
    await commit();
    await markFetched(deps.pool, run.id);
  } catch (err) {
    const message = (err as Error).message;
    await endRun(deps.pool, run.id, 'failed', `the upload stopped after line ${lastLine}: ${message}`).catch(() => {});
    if (!(err instanceof FileFormatError)) throw err;
    throw new AppError('invalid_input', `the file could not be read after line ${lastLine}: ${message}; the lines before it were taken in (run ${run.id})`, {
      details: { path: 'body', runId: run.id },
    });
  }
  return getRun(deps.pool, flowId, run.id);
}
