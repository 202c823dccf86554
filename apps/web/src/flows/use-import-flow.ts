import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Flow } from '@sluice/shared';
import { api } from '../api/client';
import { FlowFileError, parseFlowFile } from './flow-file';
import { flowKeys } from './use-flows';

/**
 * Creates a new flow from an export file. The file is checked with the shared schema before
 * anything is sent; a bad file fails with a `FlowFileError` whose `issues` name each field.
 *
 * @example
 * const importFlow = useImportFlow();
 * <input type="file" onChange={(e) => e.target.files?.[0] && importFlow.mutate(e.target.files[0])} />
 * {importFlow.error instanceof FlowFileError && importFlow.error.issues.map(describeIssue)}
 */
export function useImportFlow() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (file: File) => {
      const result = parseFlowFile(await file.text());
      if (!result.ok) throw new FlowFileError(file.name, result.issues);
      return api.post<Flow>('/api/flows', result.body);
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: flowKeys.all, exact: true }),
  });
}
