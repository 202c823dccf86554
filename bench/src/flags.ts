// Command-line flags of the bench commands.

/**
 * A reader of whole-number flags within bounds: a bad value prints what was wrong and the usage,
 * then exits with status 2.
 */
export function wholeNumberFlags(usage: string): (name: string, raw: string | undefined, min: number, max: number) => number {
  return (name, raw, min, max) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      console.error(`--${name} must be a whole number from ${min} to ${max}, not "${raw}"\n\n${usage}`);
      process.exit(2);
    }
    return n;
  };
}
