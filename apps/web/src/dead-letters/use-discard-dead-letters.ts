import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { DeadLetterActionResultSchema, DeadLetterSelection } from '@sluice/shared';
import type { z } from 'zod';
import { api } from '../api/client';
import { applyAction } from './dead-letter-cache';

/**
 * Marks dead letters as discarded: they stay listed (status "Discarded") and are never retried.
 * Takes the same selection as retry; resolves to how many changed.
 *
 * @example
 * const discard = useDiscardDeadLetters();
 * discard.mutate({ ids: [...selected] });
 */
export function useDiscardDeadLetters() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (selection: DeadLetterSelection) => api.post<z.infer<typeof DeadLetterActionResultSchema>>('/api/dead-letters/discard', selection),
    onSuccess: (_result, selection) => applyAction(qc, selection, 'discarded'),
  });
}
