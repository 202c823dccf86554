import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { DeadLetter } from '@sluice/shared';
import { api } from '../api/client';
import { updateCachedRows } from './dead-letter-cache';
import { deadLetterKeys } from './dead-letter-query';

/**
 * Replaces a pending dead letter's record (the server answers 409 once it is retried or discarded).
 *
 * @example
 * const edit = useEditDeadLetter();
 * edit.mutate({ id: deadLetter.id, record: { ...order, total: 42 } });
 */
export function useEditDeadLetter() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, record }: { id: string; record: unknown }) => api.patch<DeadLetter>(`/api/dead-letters/${encodeURIComponent(id)}`, { record }),
    onSuccess: (saved) => {
      qc.setQueryData(deadLetterKeys.one(saved.id), saved);
      updateCachedRows(qc, new Set([saved.id]), () => saved);
    },
  });
}
