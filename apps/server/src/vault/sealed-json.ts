// Records at rest: a flow with encryptAtRest stores its record payloads (chunks, dead letters) as
// `{ "$sealed": "<vault envelope>" }` in the same jsonb columns. Only the worker and the readers open
// them; a flow without the setting stores plain JSON and pays nothing.
import type { Keyring } from './keyring.js';

export interface SealedJson {
  $sealed: string;
}

export function isSealedJson(value: unknown): value is SealedJson {
  return typeof value === 'object' && value !== null && typeof (value as { $sealed?: unknown }).$sealed === 'string';
}

/** JSON text → the JSON text of its sealed form. */
export function sealJsonText(keyring: Keyring, json: string): string {
  return JSON.stringify({ $sealed: keyring.sealToString(json) } satisfies SealedJson);
}

/** A column value as read: sealed ones are opened, anything else is returned as it is. */
export function openJson(keyring: Keyring, value: unknown): unknown {
  return isSealedJson(value) ? JSON.parse(keyring.openString(value.$sealed)) : value;
}
