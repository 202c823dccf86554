// A flow as a file: what Export writes and Import reads. The file is the body POST /api/flows takes
// ({ name, description, nodes, edges, settings }), so an import is one call and an export round-trips.
import { CreateFlowBodySchema, issuesFromZod, type CreateFlowBody, type Flow, type Issue } from '@sluice/shared';

/** Names in an export file stay within what the API accepts for a flow name. */
const MAX_NAME = 200;

/** The body that recreates `flow` as it is saved (its draft graph and settings). */
export function flowToBody(flow: Flow): CreateFlowBody {
  return {
    name: flow.name,
    ...(flow.description ? { description: flow.description } : {}),
    nodes: flow.graph.nodes,
    edges: flow.graph.edges,
    settings: flow.settings,
  };
}

/** `orders / EU` → `orders - EU.sluice.json`: safe on every file system, never empty. */
export function exportFileName(name: string): string {
  const safe = name
    .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  return `${safe || 'flow'}.sluice.json`;
}

/** The name a duplicate gets: `orders` → `orders (copy)`, kept within the API's limit. */
export function copyName(name: string): string {
  const suffix = ' (copy)';
  return `${name.slice(0, MAX_NAME - suffix.length)}${suffix}`;
}

export type FlowFileResult = { ok: true; body: CreateFlowBody } | { ok: false; issues: Issue[] };

/**
 * Reads an export file. It also accepts what `GET /api/flows/:id` answers (the graph nested under
 * `graph`), since analysts save that too. Problems come back one per field, named by path
 * (`nodes[2].id`), checked with the same schema the server uses.
 */
export function parseFlowFile(text: string): FlowFileResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, issues: [{ path: '', message: `the file is not JSON (${err instanceof Error ? err.message : String(err)})` }] };
  }
  const parsed = CreateFlowBodySchema.safeParse(unwrapApiFlow(json));
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error) };
  return { ok: true, body: parsed.data };
}

function unwrapApiFlow(json: unknown): unknown {
  if (!isRecord(json) || 'nodes' in json || !isRecord(json.graph)) return json;
  const { graph, settings, name, description } = json;
  return {
    ...graph,
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof description === 'string' ? { description } : {}),
    ...(settings === undefined ? {} : { settings }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Thrown by an import whose file does not hold a flow; `issues` name each field at fault. */
export class FlowFileError extends Error {
  constructor(
    readonly fileName: string,
    readonly issues: Issue[],
  ) {
    super(`${fileName} is not a Sluice flow: ${issues.map(describeIssue).join('; ')}`);
    this.name = 'FlowFileError';
  }
}

/** `nodes[0].id: use letters, digits…`; a problem with the whole file has no path. */
export function describeIssue(issue: Issue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}
