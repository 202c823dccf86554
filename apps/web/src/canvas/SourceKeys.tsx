import { useState, type FormEvent } from 'react';
import { can, useSession } from '../auth';
import { useCreateSourceKey } from './use-create-source-key';
import { useRevokeSourceKey } from './use-revoke-source-key';
import { useSourceKeys } from './use-source-keys';

/**
 * A webhook's API keys (auth type apiKey): create one (shown once, to copy), list, revoke. Keys
 * belong to the saved flow's node, so a node that is not saved yet gets none.
 */
export function SourceKeys({ flowId, nodeId }: { flowId: string; nodeId: string }) {
  const { data: session } = useSession();
  const keys = useSourceKeys(flowId, nodeId);
  const create = useCreateSourceKey(flowId, nodeId);
  const revoke = useRevokeSourceKey(flowId, nodeId);
  const [name, setName] = useState('');
  const [shown, setShown] = useState<{ name: string; key: string } | null>(null);
  const mayChange = can(session, 'flows:write');
  const titleId = `keys-${nodeId}`;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    create.mutate(trimmed, {
      onSuccess: (created) => {
        setShown({ name: created.name, key: created.key });
        setName('');
      },
    });
  };

  const live = (keys.data ?? []).filter((k) => k.revokedAt === null);
  return (
    <section className="sp-section" aria-labelledby={titleId} data-testid="source-keys">
      <div className="sp-section-head">
        <h3 id={titleId}>API keys</h3>
        <span className="muted sp-note">sent as X-API-Key</span>
      </div>
      {shown && (
        <div className="notice notice-ok" role="status" data-testid="new-source-key">
          <div className="notice-text">
            Key “{shown.name}”: copy it now, it is not shown again.
            <code className="sp-code mono">{shown.key}</code>
          </div>
          <button type="button" className="ghost small" aria-label="Dismiss" onClick={() => setShown(null)}>
            ✕
          </button>
        </div>
      )}
      {keys.isError && <p className="sp-note muted">{keys.error.message.includes('no webhook source') ? 'Save the flow to add keys to this node.' : keys.error.message}</p>}
      {keys.data && live.length === 0 && <p className="sp-note muted">No keys yet: only Sluice API tokens can post here.</p>}
      {live.length > 0 && (
        <ul className="source-keys">
          {live.map((k) => (
            <li key={k.id} data-testid={`source-key-${k.id}`}>
              <span className="admin-strong">{k.name}</span> <span className="mono muted">{k.prefix}…</span>
              {mayChange && (
                <button type="button" className="ghost small danger" aria-label={`Revoke key ${k.name}`} disabled={revoke.isPending} onClick={() => revoke.mutate(k.id)}>
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {mayChange && keys.data && (
        <form className="sp-row" onSubmit={submit}>
          <div className="field">
            <label htmlFor={`key-name-${nodeId}`}>New key name</label>
            <input id={`key-name-${nodeId}`} value={name} maxLength={100} placeholder="e.g. crm-prod" onChange={(e) => setName(e.target.value)} />
          </div>
          <button type="submit" className="small" disabled={create.isPending || !name.trim()}>
            Create key
          </button>
        </form>
      )}
      {create.isError && <p className="sp-note error" role="alert">{create.error.message}</p>}
    </section>
  );
}
