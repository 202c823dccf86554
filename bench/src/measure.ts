// What the bench measures besides HTTP answers: percentiles and medians, a process's memory and CPU
// time from /proc, the whole machine's busy time, and the facts about the machine a result records.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Nearest-rank percentile (q in 0..1) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** VmRSS of a live process in bytes, or null once it has gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on

/** CPU seconds (user + system) a live process has used so far, or null once it has gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Busy and total CPU seconds of the whole machine, summed over all cores, since boot. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = ticks[3]! + ticks[4]!; // idle + iowait
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/** Samples a process's RSS every `everyMs` (default 250 ms) until stopped. */
export class RssSampler {
  private readonly samples: { at: number; bytes: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    everyMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    const bytes = rssBytes(this.pid);
    if (bytes !== null) this.samples.push({ at: performance.now(), bytes });
  }

  /** Highest RSS seen from `since` (a performance.now() time; default the start) on. */
  peak(since = 0): number {
    this.sample();
    let peak = 0;
    for (const s of this.samples) if (s.at >= since && s.bytes > peak) peak = s.bytes;
    return peak;
  }

  /** The latest RSS. */
  last(): number {
    this.sample();
    return this.samples.at(-1)?.bytes ?? 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Where the machine's CPU went over a stretch of time, in cores (CPU seconds per second). */
export interface CpuSplit {
  /** Busy cores, all processes (of `cores`). */
  machine: number;
  cores: number;
  server: number;
  worker: number;
  /** This bench process: the load generator and the pollers. */
  client: number;
  /** Everything else: Postgres, mostly, and any other work on the machine. */
  other: number;
}

/** Starts a CPU account over the given processes; `end()` closes it and returns the split. */
export function cpuAccount(pids: { server: number; worker: number }): { end(): CpuSplit } {
  const start = performance.now();
  const machine0 = machineCpuSeconds().busy;
  const server0 = cpuSeconds(pids.server) ?? 0;
  const worker0 = cpuSeconds(pids.worker) ?? 0;
  const client0 = process.cpuUsage();
  return {
    end() {
      const seconds = (performance.now() - start) / 1000;
      const client1 = process.cpuUsage(client0);
      const per = (x: number) => Math.max(0, x) / seconds;
      const machine = per(machineCpuSeconds().busy - machine0);
      const server = per((cpuSeconds(pids.server) ?? server0) - server0);
      const worker = per((cpuSeconds(pids.worker) ?? worker0) - worker0);
      const client = per((client1.user + client1.system) / 1e6);
      return { machine, cores: os.availableParallelism(), server, worker, client, other: Math.max(0, machine - server - worker - client) };
    },
  };
}

export interface Machine {
  cores: number;
  model: string;
  memoryBytes: number;
  /** 1-minute load average when the bench started: other work on the machine shows here. */
  loadAverage: number;
}

export function describeMachine(): Machine {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? model;
  } catch {
    // not Linux: keep what os.cpus() says
  }
  return { cores: os.availableParallelism(), model, memoryBytes: os.totalmem(), loadAverage: os.loadavg()[0] ?? 0 };
}
