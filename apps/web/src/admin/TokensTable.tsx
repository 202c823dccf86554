import { memo } from 'react';
import type { ApiToken } from '@sluice/shared';
import { RelativeTime } from '../flows';
import { ROLE_LABELS } from './roles';
import { TableHead } from '../app/TableHead';

export interface TokensTableProps {
  tokens: ApiToken[];
  /** Flow names by id, for producer tokens; null when the user may not list flows. */
  flowNames: ReadonlyMap<string, string> | null;
  /** Should be stable: rows are memoised. */
  onRevoke: (token: ApiToken) => void;
}

/** Active tokens first, then revoked ones (greyed), each group newest first as the server sends them. */
export function TokensTable({ tokens, flowNames, onRevoke }: TokensTableProps) {
  const ordered = [...tokens.filter((t) => t.revokedAt === null), ...tokens.filter((t) => t.revokedAt !== null)];
  return (
    <div className="admin-table-wrap">
      <table className="table admin-table" data-testid="tokens-table">
        <TableHead columns={['Name', 'Role', 'Flows', 'Created', 'Last used', 'Status']} />
        <tbody>
          {ordered.map((token) => (
            <TokenRow key={token.id} token={token} flowNames={flowNames} onRevoke={onRevoke} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const TokenRow = memo(function TokenRow({ token, flowNames, onRevoke }: { token: ApiToken; flowNames: ReadonlyMap<string, string> | null; onRevoke: (token: ApiToken) => void }) {
  const revoked = token.revokedAt !== null;
  return (
    <tr data-testid={`token-row-${token.id}`} className={revoked ? 'revoked' : undefined}>
      <td className="admin-strong admin-wrap">{token.name}</td>
      <td>
        <span className="badge">{ROLE_LABELS[token.role]}</span>
      </td>
      <td className="admin-flows-cell">
        <TokenFlows token={token} flowNames={flowNames} />
      </td>
      <td className="admin-time">
        <RelativeTime iso={token.createdAt} />
      </td>
      <td className="admin-time">{token.lastUsedAt ? <RelativeTime iso={token.lastUsedAt} /> : <span className="muted">Never</span>}</td>
      <td data-testid="token-status">
        {token.revokedAt ? (
          <span className="badge">
            Revoked&nbsp;
            <RelativeTime iso={token.revokedAt} />
          </span>
        ) : (
          <span className="badge ok">Active</span>
        )}
      </td>
      <td className="admin-actions">
        {!revoked && (
          <button type="button" className="ghost small danger" aria-label={`Revoke token ${token.name}`} onClick={() => onRevoke(token)}>
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
});

/** How many flow names to list before "+N more". */
const SHOWN_FLOWS = 3;

function TokenFlows({ token, flowNames }: { token: ApiToken; flowNames: ReadonlyMap<string, string> | null }) {
  if (token.role !== 'data_producer') return <span className="muted">Every flow its role reaches</span>;
  // The server falls back to the owner's granted flows when a producer token names none.
  if (token.flowIds.length === 0) return <span className="muted">The flows granted to you</span>;
  // A flow the user cannot see (or one deleted since) keeps its id.
  const names = token.flowIds.map((id) => flowNames?.get(id) ?? id);
  const rest = names.length - SHOWN_FLOWS;
  return (
    <span title={names.join('\n')}>
      {names.slice(0, SHOWN_FLOWS).join(', ')}
      {rest > 0 && <span className="muted"> +{rest} more</span>}
    </span>
  );
}
