import { useMemo, useRef } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { Issue } from '@sluice/shared';
import { ApiError } from '../api/client';
import { validateGraph } from '../flows/use-flows';
import { logicKey, type FlowBody } from './graph-model';
import { indexIssues, issuesOf, type IssueIndex } from './issues';
import { useDebouncedValue } from '../app/use-debounced-value';

/** How long the analyst may pause before the graph is checked. */
const VALIDATE_AFTER_MS = 400;

export interface GraphValidation {
  issues: IssueIndex;
  /** A check is waiting for the analyst to pause, or running. */
  checking: boolean;
  /** The server could not check the graph (unreachable, 5xx); the issues shown are the last known. */
  failure: string | null;
}

/**
 * Checks the unsaved graph with the server's compiler as the analyst edits it, once they pause
 * (400 ms). Positions do not count as edits: moving a node never triggers a check. A graph the API
 * refuses outright (a bad id, an empty name) comes back as issues too.
 *
 * @example
 * const validation = useGraphValidation(flowId, doc.body);
 * validation.issues.byNode.get('map-1'); // [{ nodeId: 'map-1', path: 'config.mappings[0].expression', message }]
 */
export function useGraphValidation(flowId: string, body: FlowBody): GraphValidation {
  // What the compiler sees: the graph without positions (and without engine settings).
  const logic = useMemo(() => logicKey(body), [body]);
  const settled = useDebouncedValue(logic, VALIDATE_AFTER_MS);
  const bodyRef = useRef(body);
  bodyRef.current = body;

  const query = useQuery({
    queryKey: ['validate', flowId, settled],
    queryFn: async (): Promise<Issue[]> => {
      const checked = bodyRef.current;
      try {
        return (await validateGraph(flowId, checked)).errors;
      } catch (err) {
        // 400: the graph does not even parse; its field paths are issues like any other.
        const issues = issuesOf(err);
        if (err instanceof ApiError && err.status === 400 && issues.length > 0) return issues.map((i) => toGraphIssue(i, checked));
        throw err;
      }
    },
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    gcTime: 60_000,
    retry: false,
  });

  const issues = useMemo(() => indexIssues(query.data ?? []), [query.data]);
  return {
    issues,
    checking: settled !== logic || query.isFetching,
    failure: query.isError ? query.error.message : null,
  };
}

/** `graph.nodes[2].label` from a 400 becomes an issue on that node (path `label`); likewise edges. */
function toGraphIssue(issue: Issue, body: FlowBody): Issue {
  const m = /^graph\.(nodes|edges)\[(\d+)\]\.?(.*)$/.exec(issue.path);
  if (!m) return { ...issue, path: issue.path.replace(/^graph\.?/, '') };
  const index = Number(m[2]);
  const rest = m[3] ?? '';
  if (m[1] === 'nodes') {
    const id = body.nodes[index]?.id;
    return id ? { ...issue, nodeId: id, path: rest } : issue;
  }
  const id = body.edges[index]?.id;
  return id ? { ...issue, edgeId: id, path: rest } : issue;
}
