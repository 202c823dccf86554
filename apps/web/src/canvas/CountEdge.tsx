import { memo } from 'react';
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import type { SluiceEdge } from './graph-model';
import { formatCount } from './format';

/**
 * An edge that shows how many records left along it (the source port's out count, live or from
 * Try it), animates while records are moving, and turns red with its problem when validation names it.
 */
export const CountEdge = memo(function CountEdge(props: EdgeProps<SluiceEdge>) {
  const [path, labelX, labelY] = getBezierPath({
    sourceX: props.sourceX,
    sourceY: props.sourceY,
    sourcePosition: props.sourcePosition,
    targetX: props.targetX,
    targetY: props.targetY,
    targetPosition: props.targetPosition,
  });
  const view = props.data?.view;
  const issues = view?.issues ?? [];
  const count = view?.count ?? null;
  const invalid = issues.length > 0;
  const problem = issues.map((i) => i.message).join('\n');
  return (
    <>
      <BaseEdge
        id={props.id}
        path={path}
        markerEnd={props.markerEnd}
        interactionWidth={18}
        className={`se-path${invalid ? ' se-invalid' : ''}${props.selected ? ' se-selected' : ''}${view?.moving ? ' se-moving' : ''}`}
      />
      {(count !== null || invalid) && (
        <EdgeLabelRenderer>
          <div
            className={`se-label nodrag nopan${invalid ? ' se-label-invalid' : ''}${view?.moving ? ' se-label-moving' : ''}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            data-testid={`edge-count-${props.id}`}
            data-count={count ?? undefined}
            title={invalid ? problem : `${count ?? 0} records along ${props.source} → ${props.target}`}
          >
            {invalid && <span aria-label={`problem: ${problem}`}>!</span>}
            {count !== null && formatCount(count)}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});
