import type { Vault } from '../vault/secrets.js';
import { secretNamesIn } from '../vault/resolve.js';
import { compileGraph, type CompileResult, type ContextFactory } from './compile.js';

/** compileGraph with the vault secrets the graph references decrypted for it (and only for it). */
export async function compileWithSecrets(graph: unknown, contextFor: ContextFactory, vault: Vault): Promise<CompileResult> {
  const names = secretNamesIn(typeof graph === 'object' && graph !== null ? (graph as { nodes?: unknown }).nodes : undefined);
  return compileGraph(graph, contextFor, await vault.valuesOf(names));
}
