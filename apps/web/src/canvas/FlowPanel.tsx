import { useEffect, useState } from 'react';
import { z } from 'zod';
import { FlowSettingsSchema, issuesFromZod, type FlowSettings, type Issue } from '@sluice/shared';
import { SchemaForm, type FormError } from '../settings';
import type { SluiceNode } from './graph-model';
import { describeIssue } from './issues';
import { TrashIcon } from './icons';

/** The engine settings' form comes from the same zod schema the server applies. */
const settingsSchema = z.toJSONSchema(FlowSettingsSchema, { io: 'input' });
const PartialSettingsSchema = FlowSettingsSchema.partial();

export interface FlowPanelProps {
  flowId: string;
  description: string | undefined;
  settings: Partial<FlowSettings> | undefined;
  onDescription(description: string): void;
  onSettings(settings: Partial<FlowSettings>): void;
  flowIssues: readonly Issue[];
  sources: readonly SluiceNode[];
}

/** Where a deployed flow takes records; `sourceIds` given when the flow has several sources (`?source=`). */
export function IngestHelp({ flowId, sourceIds }: { flowId: string; sourceIds: readonly string[] }) {
  const base = `${window.location.origin}/api/flows/${flowId}/ingest`;
  return (
    <section className="sp-section" aria-labelledby={`ingest-title-${sourceIds.join('-')}`}>
      <div className="sp-section-head">
        <h3 id={`ingest-title-${sourceIds.join('-')}`}>Send records</h3>
      </div>
      <p className="sp-note muted">Once deployed, POST JSON (one record or an array) or NDJSON to:</p>
      {sourceIds.length === 0 ? (
        <code className="sp-code" data-testid="ingest-url">
          {base}
        </code>
      ) : (
        sourceIds.map((id) => (
          <code key={id} className="sp-code" data-testid={`ingest-url-${id}`}>
            {base}?source={id}
          </code>
        ))
      )}
    </section>
  );
}

/** Unset, encryptAtRest follows the PII fields: the form shows what is in effect. */
function withEffectiveEncryption(settings: Record<string, unknown>): Record<string, unknown> {
  if (settings.encryptAtRest !== undefined) return settings;
  return { ...settings, encryptAtRest: Array.isArray(settings.pii) && settings.pii.length > 0 };
}

function withoutKey(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = value;
  return rest;
}

/** What the side panel shows with no node selected: the flow itself. */
export function FlowPanel(p: FlowPanelProps) {
  const [draft, setDraft] = useState<Record<string, unknown>>(() => ({ ...p.settings }));
  const [errors, setErrors] = useState<FormError[]>([]);
  // Undo changes the settings from outside: the form follows (by content, not identity) unless it
  // holds an invalid draft.
  const settingsJson = JSON.stringify(p.settings ?? {});
  useEffect(() => {
    setDraft((current) => (errors.length === 0 && JSON.stringify(current) !== settingsJson ? { ...p.settings } : current));
  }, [settingsJson]);
  return (
    <div className="settings-panel" data-testid="flow-settings">
      <header className="sp-header">
        <div className="sp-titles">
          <h2>Flow</h2>
          <div className="sp-type muted">Select a node to edit its settings.</div>
        </div>
      </header>
      {p.flowIssues.length > 0 && (
        <ul className="sp-issues" role="alert" data-testid="flow-issues">
          {p.flowIssues.map((issue, i) => (
            <li key={i}>{describeIssue(issue)}</li>
          ))}
        </ul>
      )}
      <div className="field">
        <label htmlFor="flow-description">Description</label>
        <textarea id="flow-description" rows={3} value={p.description ?? ''} maxLength={5000} placeholder="What this flow is for, who owns it" onChange={(e) => p.onDescription(e.target.value)} data-testid="flow-description" />
      </div>
      <section className="sp-section" aria-labelledby="engine-title">
        <div className="sp-section-head">
          <h3 id="engine-title">Engine</h3>
        </div>
        <SchemaForm
          schema={settingsSchema}
          value={withEffectiveEncryption(draft)}
          idPrefix="flow"
          errors={errors}
          onChange={(shown, changed) => {
            // The box shows the effective setting; it becomes explicit only when it is clicked.
            const next = changed[0] === 'encryptAtRest' || draft.encryptAtRest !== undefined ? shown : withoutKey(shown, 'encryptAtRest');
            setDraft(next);
            const parsed = PartialSettingsSchema.safeParse(next);
            if (parsed.success) {
              setErrors([]);
              p.onSettings(parsed.data);
            } else setErrors(issuesFromZod(parsed.error));
          }}
        />
      </section>
      <IngestHelp flowId={p.flowId} sourceIds={p.sources.length > 1 ? p.sources.map((s) => s.id) : []} />
    </div>
  );
}

/** With several nodes selected: what can be done to all of them. */
export function SelectionPanel({ count, onDelete, onDuplicate }: { count: number; onDelete(): void; onDuplicate(): void }) {
  return (
    <div className="settings-panel" data-testid="selection-settings">
      <header className="sp-header">
        <div className="sp-titles">
          <h2>{count} nodes selected</h2>
          <div className="sp-type muted">Shift-click or drag a box with Shift to change the selection.</div>
        </div>
      </header>
      <div className="sp-actions">
        <button type="button" onClick={onDuplicate} data-testid="duplicate-selection">
          Duplicate
        </button>
        <button type="button" className="danger" onClick={onDelete} data-testid="delete-selection">
          <TrashIcon /> Delete {count} nodes
        </button>
      </div>
      <p className="muted sp-note">Copy with Ctrl/⌘+C and paste with Ctrl/⌘+V — also into another flow. Edges between the copied nodes come along.</p>
    </div>
  );
}
