import { useEffect, useState, useSyncExternalStore } from 'react';
import { statsStore, type StatsStore } from '../live/stats-store';

/**
 * How many dead letters the live feed announced for `flowIds` since `since` last changed — pass a
 * value that changes whenever the table is reloaded from the top (filters, a refresh counter); not
 * the query's `dataUpdatedAt`, which "Load more" also moves. The page shows "N new — refresh"
 * instead of moving the rows under the analyst's cursor.
 *
 * @example
 * const [reloads, setReloads] = useState(0);
 * const fresh = useNewDeadLetters([flowId], `${JSON.stringify(filters)}#${reloads}`);
 * {fresh > 0 && <button onClick={() => { setReloads((n) => n + 1); void deadLetters.refetch(); }}>{fresh} new — refresh</button>}
 */
export function useNewDeadLetters(flowIds: readonly string[], since: string, store: StatsStore = statsStore): number {
  const key = flowIds.join(',');
  useEffect(() => {
    if (!key) return;
    const stops = key.split(',').map((id) => store.watch(id));
    return () => stops.forEach((stop) => stop());
  }, [key, store]);

  const announced = useSyncExternalStore(store.subscribe, () => flowIds.reduce((sum, id) => sum + store.get(id).deadLetterEvents, 0));

  // What had been announced when the table was last reloaded; anything above it is new to the analyst.
  const [baseline, setBaseline] = useState({ since, key, announced });
  if (baseline.since !== since || baseline.key !== key) setBaseline({ since, key, announced });
  return baseline.since === since && baseline.key === key ? Math.max(0, announced - baseline.announced) : 0;
}
