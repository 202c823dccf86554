// Validation issues sorted to where the analyst sees them: on a node (badge, and the settings field
// their path names), on an edge, or on the flow as a whole (the toolbar).
import { z } from 'zod';
import { formatPath, IssueSchema, type Issue } from '@sluice/shared';
import { ApiError } from '../api/client';
import { parsePath, type FormError } from '../settings';

export interface IssueIndex {
  all: Issue[];
  byNode: Map<string, Issue[]>;
  byEdge: Map<string, Issue[]>;
  /** Issues naming neither a node nor an edge ("a flow needs at least one source node"). */
  flow: Issue[];
}

export const NO_ISSUES: IssueIndex = { all: [], byNode: new Map(), byEdge: new Map(), flow: [] };

export function indexIssues(issues: readonly Issue[]): IssueIndex {
  if (issues.length === 0) return NO_ISSUES;
  const byNode = new Map<string, Issue[]>();
  const byEdge = new Map<string, Issue[]>();
  const flow: Issue[] = [];
  for (const issue of issues) {
    if (issue.nodeId !== undefined) byNode.set(issue.nodeId, [...(byNode.get(issue.nodeId) ?? []), issue]);
    if (issue.edgeId !== undefined) byEdge.set(issue.edgeId, [...(byEdge.get(issue.edgeId) ?? []), issue]);
    if (issue.nodeId === undefined && issue.edgeId === undefined) flow.push(issue);
  }
  return { all: [...issues], byNode, byEdge, flow };
}

/**
 * A node's issues for its settings panel: those under `config` become form errors (path relative
 * to the config), the rest (`id`, `type`, edges) are listed above the form.
 */
export function splitNodeIssues(issues: readonly Issue[]): { config: FormError[]; other: Issue[] } {
  const config: FormError[] = [];
  const other: Issue[] = [];
  for (const issue of issues) {
    const path = parsePath(issue.path);
    if (path[0] === 'config' && issue.edgeId === undefined) config.push({ path: path.slice(1), message: issue.message });
    else other.push(issue);
  }
  return { config, other };
}

const IssueListSchema = z.object({ errors: z.array(IssueSchema) });

/** The issues an API error carries in `details.errors` (a refused deploy, a bad dry run), if any. */
export function issuesOf(error: unknown): Issue[] {
  if (!(error instanceof ApiError)) return [];
  const parsed = IssueListSchema.safeParse(error.details);
  return parsed.success ? parsed.data.errors : [];
}

/**
 * `mappings[2].expression: Expected ")"` — one line for a list or a tooltip. Paths are written one
 * way whichever way the server wrote them, and without the `config.` every settings path starts with.
 */
export function describeIssue(issue: Issue): string {
  // "nodes: a flow needs at least one source node" says nothing the message does not.
  if (issue.nodeId === undefined && issue.edgeId === undefined && (issue.path === 'nodes' || issue.path === 'edges')) return issue.message;
  const segments = parsePath(issue.path);
  const path = formatPath(segments[0] === 'config' ? segments.slice(1) : segments);
  return path ? `${path}: ${issue.message}` : issue.message;
}
