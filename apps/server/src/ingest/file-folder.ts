// Files read from a server folder on a schedule: every matching file whose size holds still between
// two looks is claimed (moved into processing/), taken in as a run like an upload, then moved to
// done/ or to failed/ with a .error.txt beside it. Only worker processes read folders.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { AppError, type Graph, type Run } from '@sluice/shared';
import type { FolderSettings } from '@sluice/nodes';
import type { Logger } from '../logger.js';
import { ingestFile, type FileUploadDeps } from './file-upload.js';

/** Where folders may be, by default: `<data dir>/inbox`. */
export function defaultFileRoot(dataDir: string): string {
  return path.resolve(dataDir, 'inbox');
}

function isUnder(root: string, folder: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(folder));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** A deploy of a file source whose folder is outside the file root is refused (422, naming the field). */
export function folderProblems(graph: Graph, fileRoot: string): { error: AppError } | null {
  const outside = graph.nodes.filter((n) => {
    if (n.type !== 'source.file') return false;
    const folder = (n.config as { folder?: unknown } | undefined)?.folder;
    return typeof folder === 'string' && !isUnder(fileRoot, folder);
  });
  if (outside.length === 0) return null;
  return {
    error: new AppError('unprocessable', `node ${outside.map((n) => `"${n.id}"`).join(', ')}: config.folder must be under ${fileRoot} (SLUICE_FILE_ROOT)`, {
      details: { nodeIds: outside.map((n) => n.id), path: 'config.folder', errors: outside.map((n) => ({ nodeId: n.id, path: 'config.folder', message: `must be under ${fileRoot}` })) },
    }),
  };
}

export interface FolderScan {
  flowId: string;
  nodeId: string;
  folder: FolderSettings;
  fileRoot: string;
  /** Time between the two looks at a file's size, ms. Default 1000. */
  stableMs?: number;
}

export interface FolderScanResult {
  runs: Run[];
  /** Files still being written (their size changed between the looks): read on a later tick. */
  skipped: string[];
}

/** Reads the folder once: one run per stable matching file, each file moved when its run is done. */
export async function scanFolder(deps: FileUploadDeps & { logger: Logger }, scan: FolderScan): Promise<FolderScanResult> {
  // Checked again where the folder is read: the root may have changed since deploy, or a link may lead out.
  const folder = await fs.realpath(scan.folder.path).catch(() => null);
  if (folder === null) throw new Error(`the folder ${scan.folder.path} does not exist`);
  if (!isUnder(await fs.realpath(scan.fileRoot).catch(() => scan.fileRoot), folder)) throw new Error(`the folder ${scan.folder.path} is not under ${scan.fileRoot}`);
  const matches = picomatch(scan.folder.pattern, { dot: false });
  const first = await sizes(folder, matches);
  if (first.size === 0) return { runs: [], skipped: [] };
  await new Promise((resolve) => setTimeout(resolve, scan.stableMs ?? 1000));
  const second = await sizes(folder, matches);
  const runs: Run[] = [];
  const skipped: string[] = [];
  for (const [name, size] of first) {
    if (second.get(name) !== size) {
      skipped.push(name);
      continue;
    }
    const processing = path.join(folder, 'processing');
    await fs.mkdir(processing, { recursive: true });
    const claimed = path.join(processing, name);
    // The rename is the claim: of two scans that saw the file, one moves it, the other finds it gone.
    if (!(await fs.rename(path.join(folder, name), claimed).then(() => true, () => false))) continue;
    let run: Run | null = null;
    let error: string | null = null;
    try {
      run = await ingestFile(deps, scan.flowId, scan.nodeId, createReadStream(claimed));
      runs.push(run);
      if (run.status === 'failed' || run.status === 'timed_out') error = run.error ?? `the run ${run.status}`;
    } catch (err) {
      error = (err as Error).message;
    }
    const to = path.join(folder, error === null ? 'done' : 'failed');
    await fs.mkdir(to, { recursive: true });
    await fs.rename(claimed, path.join(to, name));
    if (error !== null) await fs.writeFile(path.join(to, `${name}.error.txt`), `${new Date().toISOString()}${run ? ` run ${run.id}` : ''}\n${error}\n`);
    deps.logger.info({ flowId: scan.flowId, nodeId: scan.nodeId, file: name, runId: run?.id, error }, error === null ? 'folder file taken in' : 'folder file failed');
  }
  return { runs, skipped };
}

/** Regular files of the folder (not its subfolders) whose names match, with their sizes. */
async function sizes(folder: string, matches: (name: string) => boolean): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
    if (!entry.isFile() || !matches(entry.name)) continue;
    const stat = await fs.stat(path.join(folder, entry.name)).catch(() => null);
    if (stat) out.set(entry.name, stat.size);
  }
  return out;
}
