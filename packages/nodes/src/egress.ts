/**
 * Thrown by the server's `fetch` (the egress guard) for a request it will not send: a link-local or
 * cloud-metadata address, or a private one that SLUICE_EGRESS_ALLOW does not list. Sinks treat it as
 * a permanent failure: trying again cannot help.
 */
export class EgressRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EgressRefusedError';
  }
}
