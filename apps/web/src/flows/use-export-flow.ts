import { useMutation, useQueryClient } from '@tanstack/react-query';
import { fetchFreshFlow } from './fetch-flow';
import { exportFileName, flowToBody } from './flow-file';

/**
 * Downloads a flow's saved graph as `<name>.sluice.json` — the body `POST /api/flows` takes, so
 * Import (here or with curl) recreates it. Resolves to the file name.
 *
 * @example
 * const exportFlow = useExportFlow();
 * <button onClick={() => exportFlow.mutate(flow.id)}>Export</button>
 */
export function useExportFlow() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      const flow = await fetchFreshFlow(qc, id);
      const fileName = exportFileName(flow.name);
      download(fileName, `${JSON.stringify(flowToBody(flow), null, 2)}\n`);
      return fileName;
    },
  });
}

function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke after the click has been handled; revoking at once cancels the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
