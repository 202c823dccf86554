import { useMutation } from '@tanstack/react-query';
import type { DryRunBody, DryRunResult } from '@sluice/shared';
import { api } from '../api/client';

/**
 * Runs sample records through an unsaved graph with sinks disabled (`POST /api/dry-run`): per node,
 * the records in, the records out per port and the failures.
 *
 * @example
 * const dryRun = useDryRun();
 * dryRun.mutate({ graph, records: [{ id: 'o-1', total: 12 }] });
 * dryRun.data?.nodes.find((n) => n.nodeId === 'map-1')?.outputs.out;
 */
export function useDryRun() {
  return useMutation({
    mutationFn: (body: DryRunBody) => api.post<DryRunResult>('/api/dry-run', body),
  });
}
