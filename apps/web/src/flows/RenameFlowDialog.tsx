import { useState } from 'react';
import type { FlowSummary } from '@sluice/shared';
import { Dialog } from './Dialog';
import { checkFlowName } from './flow-name';
import { useRenameFlow } from './use-rename-flow';

/** Renames a flow; its graph, versions and dead letters stay as they are. */
export function RenameFlowDialog({ flow, onClose, onRenamed }: { flow: FlowSummary; onClose: () => void; onRenamed: (name: string) => void }) {
  const rename = useRenameFlow();
  const [name, setName] = useState(flow.name);
  const nameError = checkFlowName(name);
  const unchanged = name.trim() === flow.name;

  return (
    <Dialog title={`Rename “${flow.name}”`} onClose={onClose} testId="rename-flow-dialog">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (nameError || unchanged) return;
          const next = name.trim();
          rename.mutate({ id: flow.id, name: next }, { onSuccess: () => onRenamed(next) });
        }}
      >
        <div className={`field${nameError ? ' invalid' : ''}`}>
          <label htmlFor="rename-flow-name">Flow name</label>
          <input
            id="rename-flow-name"
            autoFocus
            onFocus={(e) => e.currentTarget.select()}
            value={name}
            maxLength={200}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? 'rename-flow-name-error' : undefined}
            onChange={(e) => setName(e.target.value)}
          />
          {nameError && (
            <div className="field-error" id="rename-flow-name-error">
              {nameError}
            </div>
          )}
        </div>
        {rename.error && (
          <div className="error-box" role="alert">
            Could not rename the flow: {rename.error.message}
          </div>
        )}
        <div className="sl-dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={rename.isPending || Boolean(nameError) || unchanged}>
            {rename.isPending && <span className="spinner" aria-hidden="true" />}
            Rename
          </button>
        </div>
      </form>
    </Dialog>
  );
}
