import { useQuery } from '@tanstack/react-query';
import type { SourceApiKey } from '@sluice/shared';
import { api } from '../api/client';

export const sourceKeysPath = (flowId: string, nodeId: string) => `/api/flows/${encodeURIComponent(flowId)}/sources/${encodeURIComponent(nodeId)}/keys`;
export const sourceKeysKey = (flowId: string, nodeId: string) => ['source-keys', flowId, nodeId] as const;

/**
 * The API keys of one webhook source, revoked ones included. Never holds a key itself: the server
 * shows that once, in the answer to its creation.
 *
 * @example
 * const { data: keys = [] } = useSourceKeys(flowId, 'in');
 * const live = keys.filter((k) => k.revokedAt === null);
 */
export function useSourceKeys(flowId: string, nodeId: string) {
  return useQuery({ queryKey: sourceKeysKey(flowId, nodeId), queryFn: () => api.get<SourceApiKey[]>(sourceKeysPath(flowId, nodeId)) });
}
