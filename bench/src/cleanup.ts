/** What must be undone, newest first: children to stop, pools to close, the database to drop. */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];

  add(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }

  async runAll(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      await step.run().catch((err: unknown) => console.error(`bench: could not ${step!.what}: ${(err as Error).message}`));
    }
  }
}

/**
 * On Ctrl-C or SIGTERM, undoes what `cleanup` holds and exits 130. Returns whether that happened,
 * so the main path can tell an interruption from a failure.
 */
export function cleanUpOnSignals(cleanup: Cleanup): { interrupted(): boolean } {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nbench: ${signal}: stopping Sluice and dropping the database…`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { interrupted: () => interrupted };
}
