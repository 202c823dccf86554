import { useState, type FormEvent } from 'react';
import { ALERT_SIGNATURE_HEADER } from '@sluice/shared';
import { useAlertChannels } from './use-alert-channels';
import { TableHead } from '../app/TableHead';

/** Admins: where notifications of firing and resolved alerts are sent (signed webhook or Slack-compatible). */
export function AlertChannels() {
  const { channels, create, remove } = useAlertChannels(true);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<'webhook' | 'slack'>('webhook');
  const [secret, setSecret] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSecret(null);
    create.mutate(
      { name, url, format },
      {
        onSuccess: (created) => {
          // Only a secret Sluice generated comes back (once); one the admin typed is never answered.
          setSecret(created.secret ?? null);
          setName('');
          setUrl('');
        },
      },
    );
  };

  return (
    <section className="alerts-history" aria-labelledby="channels-title" data-testid="alert-channels">
      <h2 id="channels-title">Notification channels</h2>
      <p className="muted alerts-intro">
        Every firing and resolved alert is POSTed to each channel (retried with backoff). Bodies are signed: <code>{ALERT_SIGNATURE_HEADER}: t=…,v1=…</code> is
        the HMAC-SHA256 of <code>&lt;t&gt;.&lt;body&gt;</code> with the channel's secret.
      </p>
      {secret && (
        <div className="notice notice-ok" role="status" data-testid="channel-secret">
          Signing secret (shown once; keep it with the receiver): <code>{secret}</code>
        </div>
      )}
      {(channels.data ?? []).length > 0 && (
        <table className="table">
          <TableHead columns={['Name', 'Format', 'URL', 'Flows']} />
          <tbody>
            {channels.data!.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{c.format === 'slack' ? 'Slack-compatible' : 'Signed webhook'}</td>
                <td className="alerts-message">{c.url}</td>
                <td>{c.flowIds.length === 0 ? 'All' : c.flowIds.length}</td>
                <td className="alerts-actions">
                  <button type="button" className="small ghost danger" disabled={remove.isPending} onClick={() => remove.mutate(c.id)} aria-label={`Remove channel ${c.name}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="channel-form" onSubmit={submit}>
        <input aria-label="Channel name" placeholder="Name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        <input aria-label="Channel URL" placeholder="https://hooks.example.com/…" value={url} onChange={(e) => setUrl(e.target.value)} required type="url" />
        <select aria-label="Channel format" value={format} onChange={(e) => setFormat(e.target.value as 'webhook' | 'slack')}>
          <option value="webhook">Signed webhook (JSON)</option>
          <option value="slack">Slack-compatible</option>
        </select>
        <button type="submit" className="primary small" disabled={create.isPending}>
          Add channel
        </button>
      </form>
      {create.isError && (
        <div className="error-box" role="alert">
          {create.error.message}
        </div>
      )}
    </section>
  );
}
