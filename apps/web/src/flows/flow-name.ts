import { CreateFlowBodySchema } from '@sluice/shared';

/** The server's own rule for a flow name, so the dialog says what the API would say. */
export function checkFlowName(name: string): string | null {
  const result = CreateFlowBodySchema.shape.name.safeParse(name);
  return result.success ? null : (result.error.issues[0]?.message ?? 'not a valid name');
}
