import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Graph, Issue } from '@sluice/shared';
import { validationContextFactory } from '../engine/connections.js';
import { compileGraph } from './compile.js';

const contexts = validationContextFactory('00000000-0000-0000-0000-000000000000', pino({ level: 'silent' }));
const at = { x: 0, y: 0 };

/** A valid flow: webhook → rules → log, with the invalid port unwired. */
function good(): Graph {
  return {
    name: 'good',
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: at },
      { id: 'rules', type: 'validate.rules', config: { rules: [{ name: 'has_id', expression: '$exists(id)', message: 'id is required' }] }, position: at },
      { id: 'out', type: 'sink.log', config: {}, position: at },
    ],
    edges: [
      { id: 'e1', source: 'in', sourcePort: 'out', target: 'rules' },
      { id: 'e2', source: 'rules', sourcePort: 'valid', target: 'out' },
    ],
  };
}

function errorsOf(graph: unknown): Issue[] {
  const result = compileGraph(graph, contexts);
  expect(result.ok).toBe(false);
  return result.errors;
}

describe('compileGraph', () => {
  it('compiles a good flow into a plan in topological order', () => {
    const result = compileGraph(good(), contexts);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.order).toEqual(['in', 'rules', 'out']);
    expect(result.plan.sources).toEqual(['in']);
    expect(result.plan.nodes.get('rules')!.edges.get('valid')).toEqual(['out']);
    expect([...result.plan.nodes.get('rules')!.deadLetterPorts]).toEqual(['invalid']);
  });

  /** Each malformed flow, and the node or edge and field its first error must name. */
  const cases: { name: string; mutate: (g: Graph) => unknown; expect: Partial<Omit<Issue, 'message'>> & { message: RegExp } }[] = [
    { name: 'unknown node type', mutate: (g) => ((g.nodes[1]!.type = 'transform.nope'), g), expect: { nodeId: 'rules', path: 'type', message: /unknown node type "transform.nope"/ } },
    { name: 'config of the wrong type', mutate: (g) => ((g.nodes[1]!.config = { rules: 'all' }), g), expect: { nodeId: 'rules', path: 'config.rules', message: /array/i } },
    { name: 'missing required config field', mutate: (g) => ((g.nodes[1]!.config = {}), g), expect: { nodeId: 'rules', path: 'config.rules', message: /.+/ } },
    { name: 'broken JSONata', mutate: (g) => ((g.nodes[1]!.config = { rules: [{ name: 'r', expression: '$sum(', message: 'm' }] }), g), expect: { nodeId: 'rules', message: /JSONata/i } },
    { name: 'invalid JSON Schema', mutate: (g) => ((g.nodes[1] = { id: 'schema', type: 'validate.schema', config: { schema: { type: 'no-such-type' } }, position: at }), (g.edges = [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'schema' }]), g), expect: { nodeId: 'schema', path: 'config.schema', message: /.+/ } },
    { name: 'sink.http with a bad url', mutate: (g) => ((g.nodes[2] = { id: 'out', type: 'sink.http', config: { url: 'ftp://example' }, position: at }), g), expect: { nodeId: 'out', path: 'config.url', message: /.+/ } },
    { name: 'sink.postgres with an unsafe table name', mutate: (g) => ((g.nodes[2] = { id: 'out', type: 'sink.postgres', config: { connectionString: 'postgresql://x@127.0.0.1/db', table: 'x; drop table y', columns: [{ name: 'a' }] }, position: at }), g), expect: { nodeId: 'out', path: 'config.table', message: /.+/ } },
    { name: 'duplicate node ids', mutate: (g) => ((g.nodes[2]!.id = 'rules'), g), expect: { nodeId: 'rules', path: 'id', message: /two nodes/ } },
    { name: 'duplicate edge ids', mutate: (g) => ((g.edges[1]!.id = 'e1'), g), expect: { edgeId: 'e1', path: 'id', message: /two edges/ } },
    { name: 'edge from a missing node', mutate: (g) => ((g.edges[0]!.source = 'ghost'), g), expect: { edgeId: 'e1', path: 'source', message: /"ghost"/ } },
    { name: 'edge to a missing node', mutate: (g) => ((g.edges[1]!.target = 'ghost'), g), expect: { edgeId: 'e2', path: 'target', message: /"ghost"/ } },
    { name: 'unknown output port', mutate: (g) => ((g.edges[1]!.sourcePort = 'maybe'), g), expect: { edgeId: 'e2', path: 'sourcePort', message: /no output "maybe".*valid, invalid/ } },
    { name: 'unknown input port', mutate: (g) => ((g.edges[1]!.targetPort = 'side'), g), expect: { edgeId: 'e2', path: 'targetPort', message: /no input "side"/ } },
    { name: 'edge out of a sink', mutate: (g) => (g.edges.push({ id: 'e3', source: 'out', sourcePort: 'out', target: 'rules' }), g), expect: { nodeId: 'out', edgeId: 'e3', message: /sink .* has no outputs/ } },
    { name: 'edge into a source', mutate: (g) => (g.edges.push({ id: 'e3', source: 'rules', sourcePort: 'invalid', target: 'in' }), g), expect: { nodeId: 'in', edgeId: 'e3', message: /takes no input/ } },
    { name: 'self loop', mutate: (g) => (g.edges.push({ id: 'e3', source: 'rules', sourcePort: 'invalid', target: 'rules' }), g), expect: { edgeId: 'e3', message: /itself/ } },
    {
      name: 'cycle',
      mutate: (g) => {
        g.nodes.push({ id: 'map', type: 'transform.jsonata', config: { expression: '$' }, position: at });
        g.edges.push({ id: 'e3', source: 'rules', sourcePort: 'invalid', target: 'map' }, { id: 'e4', source: 'map', sourcePort: 'out', target: 'rules' });
        return g;
      },
      expect: { path: 'edges', message: /cycle through nodes .*"rules".*"map"|cycle through nodes .*"map".*"rules"/ },
    },
    { name: 'no source', mutate: (g) => ((g.nodes = g.nodes.slice(1)), (g.edges = g.edges.slice(1)), g), expect: { path: 'nodes', message: /at least one source/ } },
    { name: 'repeated edge', mutate: (g) => (g.edges.push({ id: 'e9', source: 'in', sourcePort: 'out', target: 'rules' }), g), expect: { edgeId: 'e9', message: /repeats another edge/ } },
    { name: 'node without an id', mutate: (g) => ((g.nodes[1]!.id = ''), g), expect: { path: 'id', message: /.+/ } },
    { name: 'node id with spaces', mutate: (g) => ((g.nodes[1]!.id = 'my node'), g), expect: { nodeId: 'my node', path: 'id', message: /letters, digits/ } },
    { name: 'flow without a name', mutate: (g) => ((g.name = '  '), g), expect: { path: 'name', message: /name/ } },
    { name: 'nodes is not a list', mutate: (g) => ({ ...g, nodes: 'in,rules,out' }), expect: { path: 'nodes', message: /array/i } },
    { name: 'position is not numbers', mutate: (g) => ((g.nodes[0]!.position = { x: 'left', y: 0 } as unknown as { x: number; y: number }), g), expect: { nodeId: 'in', path: 'position.x', message: /number/i } },
    { name: 'map op that needs a value', mutate: (g) => ((g.nodes[1] = { id: 'rules', type: 'transform.map', config: { mappings: [{ target: 'a', op: 'constant' }] }, position: at }), (g.edges[1]!.sourcePort = 'out'), g), expect: { nodeId: 'rules', path: 'config.mappings[0].value', message: /needs a value/ } },
    { name: 'graph is not an object', mutate: () => 'nodes', expect: { path: '', message: /object/i } },
  ];

  for (const c of cases) {
    it(`rejects a flow with ${c.name}`, () => {
      const errors = errorsOf(c.mutate(good()));
      const match = errors.find((e) =>
        c.expect.message.test(e.message) &&
        (c.expect.nodeId === undefined || e.nodeId === c.expect.nodeId) &&
        (c.expect.edgeId === undefined || e.edgeId === c.expect.edgeId) &&
        (c.expect.path === undefined || e.path === c.expect.path),
      );
      expect(match, `errors were ${JSON.stringify(errors)}`).toBeDefined();
    });
  }

  it('reports every problem at once, not only the first', () => {
    const g = good();
    g.nodes[1]!.type = 'nope';
    g.edges[1]!.target = 'ghost';
    const errors = errorsOf(g);
    expect(errors.map((e) => e.nodeId ?? e.edgeId).sort()).toEqual(['e2', 'rules']);
  });
});
