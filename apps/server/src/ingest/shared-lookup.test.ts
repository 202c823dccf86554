import { describe, expect, it } from 'vitest';
import { SharedLookup } from './shared-lookup.js';

/** A lookup that answers when told to, counting the questions. */
function gatedLookup() {
  const asked: string[] = [];
  const waiting: { resolve(v: number): void; reject(e: Error): void }[] = [];
  const lookUp = (key: string) =>
    new Promise<number>((resolve, reject) => {
      asked.push(key);
      waiting.push({ resolve, reject });
    });
  return { asked, waiting, lookUp };
}

describe('SharedLookup', () => {
  it('asks once for many callers at once, then reuses the answer until it is stale', async () => {
    const { asked, waiting, lookUp } = gatedLookup();
    const lookup = new SharedLookup(50, lookUp);
    const all = Promise.all(Array.from({ length: 50 }, () => lookup.get('flow-a')));
    expect(asked).toEqual(['flow-a']);
    waiting[0]!.resolve(7);
    expect(await all).toEqual(Array(50).fill(7));
    expect(await lookup.get('flow-a')).toBe(7);
    expect(asked).toHaveLength(1);
    // Other keys are their own questions.
    const b = lookup.get('flow-b');
    waiting[1]!.resolve(3);
    expect(await b).toBe(3);
    // Once stale, the next caller asks again.
    await new Promise((r) => setTimeout(r, 60));
    const again = lookup.get('flow-a');
    expect(asked).toEqual(['flow-a', 'flow-b', 'flow-a']);
    waiting[2]!.resolve(9);
    expect(await again).toBe(9);
  });

  it('keeps no failed answer, and update changes the held value', async () => {
    const { asked, waiting, lookUp } = gatedLookup();
    const lookup = new SharedLookup(10_000, lookUp);
    const failing = lookup.get('k');
    waiting[0]!.reject(new Error('database unavailable'));
    await expect(failing).rejects.toThrow('database unavailable');
    const next = lookup.get('k');
    expect(asked).toHaveLength(2);
    waiting[1]!.resolve(100);
    expect(await next).toBe(100);
    lookup.update('k', (n) => n + 5);
    expect(await lookup.get('k')).toBe(105);
    expect(asked).toHaveLength(2);
  });

  it('forget drops the held value and a lookup under way: the next caller asks anew', async () => {
    const { asked, waiting, lookUp } = gatedLookup();
    const lookup = new SharedLookup(10_000, lookUp);
    const before = lookup.get('flow');
    lookup.forget('flow'); // e.g. the flow was deployed while its status was being read
    const after = lookup.get('flow');
    expect(asked).toHaveLength(2);
    waiting[0]!.resolve(1);
    waiting[1]!.resolve(2);
    expect(await before).toBe(1);
    expect(await after).toBe(2);
    // The answer from before the forget did not replace the newer one.
    expect(await lookup.get('flow')).toBe(2);
    expect(asked).toHaveLength(2);
  });
});
