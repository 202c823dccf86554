// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { ReactFlowProvider } from '@xyflow/react';
import type { ComponentProps } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorStatus, NodeTypeInfo } from '@sluice/shared';
import { FlowNode } from './FlowNode';
import type { NodeView } from './graph-model';

afterEach(cleanup);

const AMQP_INFO: NodeTypeInfo = {
  type: 'source.amqp',
  kind: 'source',
  title: 'RabbitMQ',
  summary: 'Consumes a queue',
  category: 'Sources',
  inputs: [],
  outputs: ['out'],
  configSchema: {},
  examples: [],
};

function renderNode(view: NodeView) {
  const props: ComponentProps<typeof FlowNode> = {
    id: 'orders',
    type: 'sluice',
    data: { type: 'source.amqp', config: {}, view },
    selected: false,
    dragging: false,
    zIndex: 0,
    selectable: true,
    deletable: true,
    draggable: true,
    isConnectable: true,
    positionAbsoluteX: 0,
    positionAbsoluteY: 0,
  };
  render(
    <ReactFlowProvider>
      <FlowNode {...props} />
    </ReactFlowProvider>,
  );
}

const connector = (over: Partial<ConnectorStatus>): ConnectorStatus => ({ nodeId: 'orders', type: 'source.amqp', state: 'connected', message: null, worker: 'host:42:abc', since: '2026-01-01T10:00:00.000Z', ...over });

describe('FlowNode connector status', () => {
  it('shows a broker source as connected, naming the worker in the tooltip', () => {
    renderNode({ info: AMQP_INFO, issues: [], counts: null, health: 'ok', connector: connector({}) });
    const dot = screen.getByTestId('connector-orders');
    expect(dot.dataset.state).toBe('connected');
    expect(dot.getAttribute('title')).toContain('Connected');
    expect(dot.getAttribute('title')).toContain('worker host:42:abc');
  });

  it('shows the error and its reason', () => {
    renderNode({ info: AMQP_INFO, issues: [], counts: null, health: 'ok', connector: connector({ state: 'error', message: "NOT_FOUND - no queue 'orders'" }) });
    const dot = screen.getByTestId('connector-orders');
    expect(dot.dataset.state).toBe('error');
    expect(dot.className).toContain('sn-connector-error');
    expect(dot.getAttribute('title')).toContain("Cannot connect (still trying)\nNOT_FOUND - no queue 'orders'");
  });

  it('draws no dot for nodes without a connector', () => {
    renderNode({ info: AMQP_INFO, issues: [], counts: null, health: 'ok', connector: null });
    expect(screen.queryByTestId('connector-orders')).toBeNull();
  });
});
