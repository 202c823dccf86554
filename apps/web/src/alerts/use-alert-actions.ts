import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Alert } from '@sluice/shared';
import { api } from '../api/client';
import { alertsKey } from './use-alerts';

export type AlertAction = { kind: 'acknowledge'; id: number } | { kind: 'silence'; id: number; minutes: number } | { kind: 'unsilence'; id: number };

/**
 * Acknowledges, silences (for some minutes) or unsilences an alert, then refreshes the alert lists.
 *
 * @example
 * const act = useAlertAction();
 * act.mutate({ kind: 'silence', id: alert.id, minutes: 60 });
 */
export function useAlertAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (action: AlertAction): Promise<Alert> => {
      switch (action.kind) {
        case 'acknowledge':
          return api.post<Alert>(`/api/alerts/${action.id}/acknowledge`);
        case 'silence':
          return api.post<Alert>(`/api/alerts/${action.id}/silence`, { minutes: action.minutes });
        case 'unsilence':
          return api.delete<Alert>(`/api/alerts/${action.id}/silence`);
      }
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: alertsKey }),
  });
}
