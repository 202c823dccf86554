import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Dialog } from './Dialog';
import { checkFlowName } from './flow-name';
import { useCreateFlow } from './use-flows';

/** Asks for a name, creates an empty flow and opens it in the editor. */
export function NewFlowDialog({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const create = useCreateFlow();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [touched, setTouched] = useState(false);
  const nameError = touched ? checkFlowName(name) : null;

  return (
    <Dialog title="New flow" onClose={onClose} testId="new-flow-dialog" description="Start from an empty canvas; you add nodes in the editor.">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (checkFlowName(name)) return;
          const trimmed = description.trim();
          create.mutate(
            { name: name.trim(), ...(trimmed ? { description: trimmed } : {}), nodes: [], edges: [] },
            { onSuccess: (flow) => navigate(`/flows/${flow.id}`) },
          );
        }}
      >
        <div className={`field${nameError ? ' invalid' : ''}`}>
          <label htmlFor="new-flow-name">Flow name</label>
          <input
            id="new-flow-name"
            autoFocus
            value={name}
            maxLength={200}
            placeholder="e.g. orders to warehouse"
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? 'new-flow-name-error' : undefined}
            onChange={(e) => setName(e.target.value)}
            onBlur={() => setTouched(name !== '')}
          />
          {nameError && (
            <div className="field-error" id="new-flow-name-error">
              {nameError}
            </div>
          )}
        </div>
        <div className="field">
          <label htmlFor="new-flow-description">
            Description <span className="muted">(optional)</span>
          </label>
          <textarea id="new-flow-description" rows={2} value={description} maxLength={5000} onChange={(e) => setDescription(e.target.value)} />
        </div>
        {create.error && (
          <div className="error-box" role="alert">
            Could not create the flow: {create.error.message}
          </div>
        )}
        <div className="sl-dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending && <span className="spinner" aria-hidden="true" />}
            Create flow
          </button>
        </div>
      </form>
    </Dialog>
  );
}
