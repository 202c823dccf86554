// How the editor writes numbers: exact counts with separators (analysts reconcile them), short rates.
const counts = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return counts.format(n);
}

/** `0.25` → `0.3/s`, `41.52` → `42/s`. */
export function formatRate(perSecond: number): string {
  if (perSecond <= 0) return '0/s';
  return `${perSecond < 10 ? perSecond.toFixed(1) : counts.format(Math.round(perSecond))}/s`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}
