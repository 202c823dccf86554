import { useQuery } from '@tanstack/react-query';
import type { NodeTypeInfo } from '@sluice/shared';
import { api } from '../api/client';

/**
 * The node types the server knows, for the palette and the settings forms. The web app hard-codes
 * none: everything about a node comes from here.
 *
 * @example
 * const { data: types } = useNodeTypes();
 * const info = types?.find((t) => t.type === node.type);
 */
export function useNodeTypes() {
  return useQuery({ queryKey: ['node-types'], queryFn: () => api.get<NodeTypeInfo[]>('/api/node-types'), staleTime: Infinity });
}
