/**
 * Values looked up in Postgres by key and reused for `ttlMs`. Requests that want a value while it
 * is being looked up share that one lookup: at the moment a value goes stale, fifty concurrent
 * single-record ingests asked for the same flow's backlog fifty times (bench/RESULTS.md, session 6).
 * A failed lookup is not kept; the next caller asks again.
 */
export class SharedLookup<T> {
  private readonly values = new Map<string, { at: number; value: T }>();
  private readonly asking = new Map<string, Promise<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly lookUp: (key: string) => Promise<T>,
  ) {}

  /** The value, fresh within the time to live, or looked up once for everyone waiting on it. */
  get(key: string): Promise<T> {
    const held = this.values.get(key);
    if (held && Date.now() - held.at < this.ttlMs) return Promise.resolve(held.value);
    const pending = this.asking.get(key);
    if (pending) return pending;
    const at = Date.now();
    const lookup = this.lookUp(key).then(
      (value) => {
        // A forget() meanwhile leaves this answer to its own callers only.
        if (this.asking.get(key) === lookup) {
          this.values.set(key, { at, value });
          this.asking.delete(key);
        }
        return value;
      },
      (err: unknown) => {
        if (this.asking.get(key) === lookup) this.asking.delete(key);
        throw err;
      },
    );
    this.asking.set(key, lookup);
    return lookup;
  }

  /** Changes the held value in place (keeping its age), when there is one. */
  update(key: string, change: (value: T) => T): void {
    const held = this.values.get(key);
    if (held) held.value = change(held.value);
  }

  /** Drops the held value and any lookup under way: the next get asks Postgres. */
  forget(key: string): void {
    this.values.delete(key);
    this.asking.delete(key);
  }
}
