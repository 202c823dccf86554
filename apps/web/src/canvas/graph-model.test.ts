import { describe, expect, it } from 'vitest';
import type { Graph, NodeTypeInfo } from '@sluice/shared';
import { bodyToElements, connectionProblem, copyPayload, freePosition, nextNodeId, parseClipboard, pastePayload, toBody } from './graph-model';

const info = (type: string, kind: NodeTypeInfo['kind'], inputs: string[], outputs: string[]): NodeTypeInfo => ({
  type,
  kind,
  title: type,
  summary: '',
  category: '',
  inputs,
  outputs,
  configSchema: {},
  examples: [],
});
const types = new Map(
  [
    info('source.webhook', 'source', [], ['out']),
    info('transform.map', 'transform', ['in'], ['out']),
    info('validate.rules', 'validate', ['in'], ['valid', 'invalid']),
    info('sink.log', 'sink', ['in'], []),
  ].map((t) => [t.type, t]),
);

const graph: Graph = {
  name: 'orders',
  nodes: [
    { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
    { id: 'map', type: 'transform.map', config: { mappings: [{ target: 'a', source: 'b' }] }, position: { x: 200, y: 0 }, label: 'Map it' },
    { id: 'rules', type: 'validate.rules', config: {}, position: { x: 400, y: 0 } },
    { id: 'log', type: 'sink.log', config: {}, position: { x: 600, y: 0 } },
  ],
  edges: [
    { id: 'e1', source: 'in', sourcePort: 'out', target: 'map' },
    { id: 'e2', source: 'map', sourcePort: 'out', target: 'rules', targetPort: 'in' },
  ],
};

describe('graph model', () => {
  it('turns a graph into React Flow elements and back unchanged', () => {
    const { nodes, edges } = bodyToElements(graph);
    expect(toBody({ name: graph.name, nodes, edges })).toEqual(graph);
  });

  it('numbers new node ids per type: map-1, map-2, … skipping what is taken', () => {
    expect(nextNodeId('transform.map', ['in'])).toBe('map-1');
    expect(nextNodeId('transform.map', ['map-1', 'map-7', 'log-2'])).toBe('map-8');
    expect(nextNodeId('sink.http', [])).toMatch(/^[A-Za-z0-9_.:-]+$/);
  });

  it('refuses edges into sources, out of sinks, to missing ports, twice, and loops', () => {
    const { nodes, edges } = bodyToElements(graph);
    const check = (source: string, sourceHandle: string, target: string) => connectionProblem({ source, sourceHandle, target, targetHandle: 'in' }, nodes, edges, types);
    expect(check('rules', 'valid', 'log')).toBeNull();
    expect(check('log', 'out', 'map')).toMatch(/sink/);
    expect(check('map', 'out', 'in')).toMatch(/source/);
    expect(check('rules', 'nope', 'log')).toMatch(/no output "nope"/);
    expect(check('in', 'out', 'map')).toMatch(/already connected/);
    expect(check('rules', 'valid', 'map')).toMatch(/loop/);
    expect(check('map', 'out', 'map')).toMatch(/itself/);
  });

  it('copies the selected nodes with the edges between them; a paste renames and shifts them', () => {
    const { nodes, edges } = bodyToElements(graph);
    const selected = nodes.map((n) => (n.id === 'map' || n.id === 'rules' ? { ...n, selected: true } : n));
    const payload = copyPayload(selected, edges);
    expect(payload?.nodes.map((n) => n.id)).toEqual(['map', 'rules']);
    expect(payload?.edges.map((e) => e.id)).toEqual(['e2']);
    expect(parseClipboard(JSON.stringify(payload))).toEqual(payload);
    expect(parseClipboard('{"kind":"other"}')).toBeNull();
    const pasted = pastePayload(payload!, nodes.map((n) => n.id), edges.map((e) => e.id), { x: 32, y: 32 });
    expect(pasted.nodes.map((n) => [n.id, n.position])).toEqual([
      ['map-1', { x: 232, y: 32 }],
      ['rules-1', { x: 432, y: 32 }],
    ]);
    expect(pasted.edges).toEqual([{ id: 'e-1', source: 'map-1', sourcePort: 'out', target: 'rules-1', targetPort: 'in' }]);
  });

  it('finds a free spot for a node added by click', () => {
    const { nodes } = bodyToElements(graph);
    const spot = freePosition(nodes, { x: 0, y: 0 });
    expect(spot.x === 0 && spot.y === 0).toBe(false);
    expect(freePosition(nodes, { x: 0, y: 500 })).toEqual({ x: 0, y: 500 });
  });
});
