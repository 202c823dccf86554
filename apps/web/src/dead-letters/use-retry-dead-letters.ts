import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { DeadLetterActionResultSchema, DeadLetterSelection } from '@sluice/shared';
import type { z } from 'zod';
import { api } from '../api/client';
import { applyAction } from './dead-letter-cache';

/**
 * Sends dead letters back into their flow at the node that failed them, as a new generation:
 * `{ ids }` for a selection, `{ flowId, all: true, nodeId? }` for every pending one (of a node).
 * Resolves to how many were retried; only pending ones count.
 *
 * @example
 * const retry = useRetryDeadLetters();
 * retry.mutate({ flowId, all: true, nodeId: 'rules' }, { onSuccess: ({ count }) => toast(`${count} retried`) });
 */
export function useRetryDeadLetters() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (selection: DeadLetterSelection) => api.post<z.infer<typeof DeadLetterActionResultSchema>>('/api/dead-letters/retry', selection),
    onSuccess: (_result, selection) => applyAction(qc, selection, 'retried'),
  });
}
