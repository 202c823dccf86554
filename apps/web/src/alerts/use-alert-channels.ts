import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AlertChannel, CreateAlertChannelBody, CreatedAlertChannel } from '@sluice/shared';
import { api } from '../api/client';

const channelsKey = ['alert-channels'] as const;

/**
 * Where alert notifications go (admins only). `create` resolves with the signing secret, shown once.
 *
 * @example
 * const { channels, create, remove } = useAlertChannels(true);
 * create.mutate({ name: 'ops', url: 'https://hooks.example.com/x' });
 */
export function useAlertChannels(enabled: boolean) {
  const qc = useQueryClient();
  const channels = useQuery({
    queryKey: channelsKey,
    queryFn: async () => (await api.get<{ items: AlertChannel[] }>('/api/alert-channels')).items,
    enabled,
  });
  const create = useMutation({
    mutationFn: (body: Partial<CreateAlertChannelBody> & Pick<CreateAlertChannelBody, 'name' | 'url'>) => api.post<CreatedAlertChannel>('/api/alert-channels', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: channelsKey }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.delete<void>(`/api/alert-channels/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: channelsKey }),
  });
  return { channels, create, remove };
}
