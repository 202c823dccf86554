import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';

/** A banner, not a blank page, when the server or its database cannot be reached. */
export function ServerStatusBanner() {
  const health = useQuery({
    queryKey: ['health'],
    queryFn: () => api.get<{ status: string; db: string }>('/api/health'),
    refetchInterval: 5_000,
    retry: false,
  });
  if (!health.isError) return null;
  return (
    <div className="banner banner-error" role="alert">
      The Sluice server cannot be reached ({health.error.message}). Your unsaved changes stay on this page; we keep trying every few seconds.
    </div>
  );
}
