import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { secretsKey } from './use-secrets';

/**
 * Creates a secret or replaces its value. Flows that reference it use the new value for the records
 * they run next.
 *
 * @example
 * const setSecret = useSetSecret();
 * setSecret.mutate({ name: 'crm-token', value: 'Bearer …' }, { onSuccess: close });
 */
export function useSetSecret() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ name, value }: { name: string; value: string }) => api.put<{ name: string; set: boolean }>(`/api/secrets/${encodeURIComponent(name)}`, { value }),
    onSettled: () => qc.invalidateQueries({ queryKey: secretsKey }),
  });
}
