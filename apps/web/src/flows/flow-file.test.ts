import { describe, expect, it } from 'vitest';
import type { Flow } from '@sluice/shared';
import { copyName, describeIssue, exportFileName, flowToBody, parseFlowFile } from './flow-file';

const flow: Flow = {
  id: '0b9d3c1e-4a57-4a39-8f3e-2f4d0d7e3b11',
  name: 'orders',
  description: null,
  graph: {
    name: 'orders',
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
      { id: 'out', type: 'sink.http', config: { url: 'http://x' }, position: { x: 200, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'out' }],
  },
  settings: { chunkSize: 200, maxBacklog: 100_000, parallelism: 4, pii: [] },
  status: 'deployed',
  deployedVersion: 2,
  latestVersion: 2,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  deployedAt: '2026-01-01T00:00:00Z',
};

describe('flowToBody (the export file)', () => {
  it('holds name, nodes, edges and settings, and no description when there is none', () => {
    expect(flowToBody(flow)).toEqual({ name: 'orders', nodes: flow.graph.nodes, edges: flow.graph.edges, settings: flow.settings });
    expect(flowToBody({ ...flow, description: 'webhook to API' }).description).toBe('webhook to API');
  });

  it('round-trips through parseFlowFile', () => {
    const text = JSON.stringify(flowToBody(flow));
    expect(parseFlowFile(text)).toEqual({ ok: true, body: flowToBody(flow) });
  });
});

describe('parseFlowFile', () => {
  it('accepts a good export', () => {
    const result = parseFlowFile(JSON.stringify({ name: 'a', nodes: [], edges: [] }));
    expect(result.ok).toBe(true);
  });

  it('names the field at fault', () => {
    const bad = { ...flowToBody(flow), nodes: [flow.graph.nodes[0], { ...flow.graph.nodes[1], id: 'no spaces!' }] };
    const result = parseFlowFile(JSON.stringify(bad));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toEqual(['nodes[1].id']);
    expect(describeIssue(result.issues[0]!)).toMatch(/^nodes\[1\]\.id: use letters/);
  });

  it('names every missing field', () => {
    const result = parseFlowFile(JSON.stringify({ name: '' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path).sort()).toEqual(['edges', 'name', 'nodes']);
    expect(result.issues.find((i) => i.path === 'name')?.message).toBe('a flow needs a name');
  });

  it('says when the file is not JSON at all', () => {
    const result = parseFlowFile('{ nope');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]!.path).toBe('');
    expect(result.issues[0]!.message).toMatch(/^the file is not JSON/);
  });

  it('also reads what GET /api/flows/:id answers (graph nested)', () => {
    const result = parseFlowFile(JSON.stringify(flow));
    expect(result).toEqual({ ok: true, body: { name: 'orders', nodes: flow.graph.nodes, edges: flow.graph.edges, settings: flow.settings } });
  });
});

describe('file and copy names', () => {
  it('makes a safe file name', () => {
    expect(exportFileName('orders / EU: "west"')).toBe('orders - EU- -west-.sluice.json');
    expect(exportFileName('  ')).toBe('flow.sluice.json');
    expect(exportFileName('..hidden')).toBe('hidden.sluice.json');
  });

  it('names a copy and keeps it within 200 characters', () => {
    expect(copyName('orders')).toBe('orders (copy)');
    expect(copyName('x'.repeat(200))).toHaveLength(200);
  });
});
