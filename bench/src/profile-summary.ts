// Reads a V8 .cpuprofile (node --cpu-prof) and prints where the samples landed: the top functions by
// self time with their file, and self time per area (a package, a folder of Sluice, GC, idle).
//   npx tsx bench/src/profile-summary.ts <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const CpuProfileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

export interface Hotspot {
  name: string;
  /** Where it is: a path relative to the repository, or node's own `node:` module, or "". */
  file: string;
  /** The caller it ran under most (by its self time): names the anonymous ones. */
  caller: string;
  selfMs: number;
  /** Share of the busy (non-idle) time, 0..1. */
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  functions: Hotspot[];
  areas: { area: string; selfMs: number; share: number }[];
}

function fileOf(url: string): string {
  if (url === '') return '';
  if (!url.startsWith('file://')) return url;
  const relative = path.relative(REPO_ROOT, fileURLToPath(url));
  return relative.startsWith('..') ? fileURLToPath(url) : relative;
}

/** A package under node_modules, a folder of Sluice (apps/server/src/engine), node internals, or V8's own entries. */
function areaOf(name: string, file: string): string {
  if (file === '') return name.startsWith('(') ? name : '(native / V8 builtins)';
  if (file.startsWith('node:')) return 'node internals';
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + 'node_modules/'.length).split('/');
    return `npm: ${parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  const parts = file.split('/');
  if (parts[0] === 'apps' && parts[2] === 'src') return parts.length > 4 ? parts.slice(0, 4).join('/') : parts.slice(0, 3).join('/');
  if (parts[0] === 'packages') return parts.slice(0, 2).join('/');
  return file;
}

export function summarise(profileFile: string, top = 25): ProfileSummary {
  const profile = CpuProfileSchema.parse(JSON.parse(readFileSync(profileFile, 'utf8')));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Sample i lasts until sample i + 1 (V8 records the delta before each sample); the last until endTime.
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  const times = profile.timeDeltas.map((d) => (at += d));
  profile.samples.forEach((id, i) => {
    const duration = (times[i + 1] ?? profile.endTime) - times[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, duration));
  });

  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const label = (frame: { functionName: string; url: string; lineNumber: number }) => {
    const file = fileOf(frame.url);
    // tsx compiles .ts files to one line each, so their line numbers say nothing: the file must do.
    const line = frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : '';
    return { name: frame.functionName || '(anonymous)', file, where: file && `${file}${line}` };
  };
  const functions = new Map<string, { name: string; file: string; us: number; callers: Map<string, number> }>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    totalUs += us;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    const { file, where } = label(frame);
    const key = `${name}\u0000${file}\u0000${frame.lineNumber}`;
    const entry = functions.get(key) ?? { name, file: where, us: 0, callers: new Map<string, number>() };
    entry.us += us;
    const parent = byId.get(parentOf.get(id) ?? -1)?.callFrame;
    if (parent) {
      const p = label(parent);
      const caller = p.file ? `${p.name} (${path.basename(p.file)})` : p.name;
      entry.callers.set(caller, (entry.callers.get(caller) ?? 0) + us);
    }
    functions.set(key, entry);
    const area = areaOf(name, file);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({
        name: f.name,
        file: f.file,
        caller: [...f.callers].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '',
        selfMs: f.us / 1000,
        share: f.us / busyUs,
      })),
    areas: [...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([area, us]) => ({ area, selfMs: us / 1000, share: us / busyUs })),
  };
}

export function formatSummary(title: string, s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  const ms = (x: number) => x.toFixed(0).padStart(7);
  const lines = [
    `${title}: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(s.busyMs / 1000).toFixed(1)} s busy (not idle); shares are of busy time`,
    '',
    `top ${s.functions.length} functions by self time (file; ← the caller it ran under most):`,
    ...s.functions.map((f) => `${ms(f.selfMs)} ms ${pct(f.share)}  ${f.name}  ${f.file}${f.caller ? `  ← ${f.caller}` : ''}`),
    '',
    'self time by area:',
    ...s.areas.map((a) => `${ms(a.selfMs)} ms ${pct(a.share)}  ${a.area}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
  if (positionals.length === 0) {
    console.error('usage: tsx bench/src/profile-summary.ts <file.cpuprofile>... [--top 25]');
    process.exit(2);
  }
  for (const file of positionals) console.log(`${formatSummary(file, summarise(file, Number(values.top)))}\n`);
}
