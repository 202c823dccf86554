import { useRef } from 'react';
import type { Run } from '@sluice/shared';
import { useUploadFile } from './use-runs';

export interface UploadFileButtonProps {
  flowId: string;
  /** The file source to upload to; its name shows when the flow has several. */
  nodeId: string;
  /** Several file sources: the button names this one. */
  named?: boolean;
  className?: string;
  onUploaded(run: Run, file: File): void;
  onError(message: string, file: File): void;
}

/** "Upload file": picks a CSV, NDJSON or JSON file and sends it to a file source as its raw body. */
export function UploadFileButton({ flowId, nodeId, named, className = 'primary small', onUploaded, onError }: UploadFileButtonProps) {
  const input = useRef<HTMLInputElement>(null);
  const upload = useUploadFile(flowId);
  return (
    <>
      <input
        ref={input}
        type="file"
        hidden
        accept=".csv,.tsv,.txt,.ndjson,.jsonl,.json,text/csv,application/json,application/x-ndjson"
        data-testid={`file-${nodeId}`}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (!file) return;
          upload.mutate({ file, nodeId }, { onSuccess: (run) => onUploaded(run, file), onError: (err) => onError(err.message, file) });
        }}
      />
      <button type="button" className={className} disabled={upload.isPending} onClick={() => input.current?.click()} title={`Send a file to ${nodeId}: each line becomes a record`} data-testid={`upload-${nodeId}`}>
        {upload.isPending ? (
          <>
            <span className="spinner small" aria-hidden="true" /> Uploading…
          </>
        ) : (
          `Upload file${named ? ` to ${nodeId}` : ''}`
        )}
      </button>
    </>
  );
}
