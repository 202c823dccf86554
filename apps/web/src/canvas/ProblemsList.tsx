import type { Issue } from '@sluice/shared';
import type { IssueIndex } from './issues';
import { describeIssue } from './issues';

/** Every validation problem, grouped by where it is; a click takes the analyst there. */
export function ProblemsList({ issues, onSelectNode, checking }: { issues: IssueIndex; onSelectNode(id: string): void; checking: boolean }) {
  if (issues.all.length === 0) {
    return <p className="muted problems-none">{checking ? 'Checking the flow…' : 'No problems: the flow compiles and can be deployed.'}</p>;
  }
  const where = (issue: Issue) => issue.nodeId ?? (issue.edgeId ? `edge ${issue.edgeId}` : 'flow');
  return (
    <ul className="problems" data-testid="problems-list">
      {issues.all.map((issue, i) => (
        <li key={i}>
          {issue.nodeId ? (
            <button type="button" className="problem-where link" onClick={() => issue.nodeId && onSelectNode(issue.nodeId)} data-testid={`problem-${issue.nodeId}`}>
              {where(issue)}
            </button>
          ) : (
            <span className="problem-where">{where(issue)}</span>
          )}
          <span className="problem-text">{describeIssue(issue)}</span>
        </li>
      ))}
    </ul>
  );
}
