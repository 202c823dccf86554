import { AppError, type Graph } from '@sluice/shared';
import { WebhookAuthSchema } from '@sluice/nodes';
import type { Principal } from '../auth/authenticate.js';

/**
 * What a deploy must refuse about who may post to the flow's webhooks: `auth: none` unless a
 * system_admin deploys (403), and `mtls` when Sluice does not ask for client certificates (422).
 */
export function sourceAuthProblems(graph: Graph, principal: Principal, clientCertificates: boolean): { error: AppError } | null {
  const open: string[] = [];
  const mtls: string[] = [];
  for (const node of graph.nodes) {
    if (node.type !== 'source.webhook') continue;
    const auth = WebhookAuthSchema.safeParse((node.config as { auth?: unknown } | undefined)?.auth);
    if (!auth.success) continue; // the compiler reports it
    if (auth.data.type === 'none') open.push(node.id);
    if (auth.data.type === 'mtls') mtls.push(node.id);
  }
  if (open.length && principal.role !== 'system_admin') {
    return {
      error: new AppError(
        'forbidden',
        `webhook ${open.map((n) => `"${n}"`).join(', ')} accepts records from anyone (auth: none); only a system_admin may deploy that. Use an API key, HMAC, JWT or mTLS, or ask an admin`,
        { details: { nodeIds: open, path: 'config.auth' } },
      ),
    };
  }
  if (mtls.length && !clientCertificates) {
    return {
      error: new AppError('unprocessable', `webhook ${mtls.map((n) => `"${n}"`).join(', ')} needs client certificates, and this Sluice does not ask for them (set SLUICE_TLS_CERT, SLUICE_TLS_KEY and SLUICE_TLS_CLIENT_CA)`, {
        details: { nodeIds: mtls, path: 'config.auth' },
      }),
    };
  }
  return null;
}
