// Property tests of the compiler (issue #4, chaos): whatever graph it is given — any JSON or JS value,
// near-valid graphs with real and unknown node types, mutated example configs, bogus ports, cycles,
// duplicate ids — `compileGraph` never throws. It either compiles, with a plan whose order holds
// every node once and respects every edge, or it rejects, with errors that each name a node, an edge
// or a graph-level path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeTypes } from '@sluice/nodes';
import { GraphSchema, type Issue } from '@sluice/shared';
import { compileGraph, type CompileResult } from '../src/compiler/compile.js';
import { validationContextFactory } from '../src/engine/connections.js';
import { quietLogger } from './harness.js';

const contextFor = validationContextFactory('property-test', quietLogger);

/** Generated runs per property (FC_RUNS overrides; FC_SEED replays a run); 300 keeps this file to a few seconds. */
const RUNS = Number(process.env.FC_RUNS ?? 300);

const NODE_IDS = ['in', 'a', 'b', 'c', 'd', 'sink'];
const BAD_IDS = ['', 'has space', 'x'.repeat(65), 'ünïcode', '../etc'];
const EDGE_IDS = ['e1', 'e2', 'e3', 'e4', 'e5'];
const REAL_TYPES = nodeTypes.map((t) => t.type);
const UNKNOWN_TYPES = ['sink.nope', 'source.kafka', 'Transform.Map', 'transform.', '', ' source.webhook', 'constructor', '__proto__'];
const REAL_PORTS = [...new Set(nodeTypes.flatMap((t) => [...t.inputs, ...t.outputs].map((p) => p.name)))];
const BOGUS_PORTS = ['', 'nope', 'OUT', 'valid ', 'x'.repeat(80), 'toString', '__proto__'];

/** A JSON value as the API could receive it. */
const json = fc.jsonValue({ maxDepth: 3 });

/** One change to a config: drop a field, replace one somewhere inside, or add a stray one. */
const mutation = fc.record({
  kind: fc.constantFrom('delete', 'set', 'add', 'wrongType'),
  walk: fc.array(fc.nat(), { maxLength: 4 }),
  value: json,
  key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('url', 'expression', 'schema', 'fields', 'rules', 'retry', '__proto__')),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === 'object' && v !== null;
}

/** Applies mutations to a deep copy: the registry's own examples stay untouched. */
function mutate(config: unknown, mutations: Mutation[]): unknown {
  const root = structuredClone(config) as unknown;
  for (const m of mutations) {
    if (!isContainer(root)) return m.value;
    // Walk down to a container, choosing children by the generated numbers.
    let parent: Record<string, unknown> | unknown[] = root;
    for (const step of m.walk) {
      const keys = Object.keys(parent);
      if (keys.length === 0) break;
      const child = (parent as Record<string, unknown>)[keys[step % keys.length]!];
      if (!isContainer(child)) break;
      parent = child;
    }
    const keys = Object.keys(parent);
    const target = keys.length > 0 ? keys[(m.walk[0] ?? 0) % keys.length]! : m.key;
    const bag = parent as Record<string, unknown>;
    if (m.kind === 'delete') delete bag[target];
    else if (m.kind === 'set') bag[target] = m.value;
    else if (m.kind === 'add') bag[m.key] = m.value;
    else bag[target] = typeof bag[target] === 'string' ? 42 : typeof bag[target] === 'number' ? 'forty-two' : [];
  }
  return root;
}

const nodeType = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...REAL_TYPES) }, { weight: 1, arbitrary: fc.constantFrom(...UNKNOWN_TYPES) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

/** A config for a node of `type`: one of its examples (often mutated), random JSON, or nothing. */
function configFor(type: string): fc.Arbitrary<unknown> {
  const examples = nodeTypes.find((t) => t.type === type)?.examples.map((e) => e.config) ?? [];
  const randomObject = fc.dictionary(fc.string({ maxLength: 10 }), json, { maxKeys: 5 });
  const options: fc.Arbitrary<unknown>[] = [randomObject, fc.constant({}), fc.constant(undefined)];
  if (examples.length > 0) {
    const example = fc.constantFrom(...examples);
    options.push(example, example, example, fc.tuple(example, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([c, ms]) => mutate(c, ms)));
  }
  return fc.oneof({ weight: 1, arbitrary: json }, ...options.map((arbitrary) => ({ weight: 3, arbitrary })));
}

const position = fc.oneof(
  { weight: 8, arbitrary: fc.record({ x: fc.integer({ min: -2000, max: 2000 }), y: fc.integer({ min: -2000, max: 2000 }) }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.record({ x: fc.constantFrom(Number.NaN, Infinity, '1'), y: fc.double() }) },
);

const node = fc.record(
  {
    id: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...NODE_IDS) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_IDS) }),
    type: nodeType,
    position,
    label: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: ['id', 'type'] },
).chain((n) => configFor(n.type).map((config) => (config === undefined ? n : { ...n, config })));

const port = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...REAL_PORTS) }, { weight: 1, arbitrary: fc.constantFrom(...BOGUS_PORTS) });
const endpoint = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...NODE_IDS) }, { weight: 1, arbitrary: fc.constantFrom('ghost', ...BAD_IDS) });

const edge = fc.record(
  {
    id: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...EDGE_IDS) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_IDS) }),
    source: endpoint,
    sourcePort: port,
    target: endpoint,
    targetPort: port,
  },
  { requiredKeys: ['id', 'source', 'sourcePort', 'target'] },
);

const name = fc.oneof({ weight: 8, arbitrary: fc.constant('generated flow') }, { weight: 1, arbitrary: fc.constantFrom('', '   ', 'x'.repeat(201)) }, { weight: 1, arbitrary: fc.string() });

/** Near-valid graphs: every part drawn from plausible values, a few of them wrong. */
const looseGraph = fc.record(
  {
    name,
    description: fc.string({ maxLength: 30 }),
    nodes: fc.array(node, { maxLength: 7 }),
    edges: fc.array(edge, { maxLength: 8 }),
  },
  { requiredKeys: ['name', 'nodes', 'edges'] },
);

/**
 * Graphs built to compile: a webhook source, then real nodes with their example configs, each fed by
 * an earlier node through one of its real output ports (a DAG by construction); then a few extra
 * edges that may close a cycle, repeat an edge, or point at a port that is not there.
 */
const chainGraph = fc
  .record({
    middle: fc.array(fc.constantFrom(...nodeTypes.filter((t) => t.kind !== 'source' && t.kind !== 'sink')), { maxLength: 4 }),
    sinks: fc.array(fc.constantFrom(...nodeTypes.filter((t) => t.kind === 'sink')), { minLength: 1, maxLength: 2 }),
    feeds: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
    ports: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
    // Half the graphs get no extra edges: those stay valid unless spoiled, so both outcomes stay common.
    extra: fc.option(fc.array(fc.record({ from: fc.nat(), to: fc.nat(), port: port }), { minLength: 1, maxLength: 2 }), { nil: [], freq: 2 }),
    spoil: fc.option(fc.array(mutation, { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 3 }),
    spoilAt: fc.nat(),
  })
  .map(({ middle, sinks, feeds, ports, extra, spoil, spoilAt }) => {
    const source = nodeTypes.find((t) => t.type === 'source.webhook')!;
    const types = [source, ...middle, ...sinks];
    const nodes = types.map((t, i) => ({ id: `n${i}`, type: t.type, config: structuredClone(t.examples[0]?.config ?? {}) as Record<string, unknown>, position: { x: i * 100, y: 0 } }));
    const edges: { id: string; source: string; sourcePort: string; target: string }[] = [];
    for (let i = 1; i < types.length; i++) {
      // Feed node i from an earlier node that has outputs (never a sink).
      const candidates = types.slice(0, i).map((t, j) => ({ t, j })).filter(({ t }) => t.outputs.length > 0);
      const { t: from, j } = candidates[feeds[(i - 1) % feeds.length]! % candidates.length]!;
      const out = from.outputs[ports[(i - 1) % ports.length]! % from.outputs.length]!;
      edges.push({ id: `e${i}`, source: `n${j}`, sourcePort: out.name, target: `n${i}` });
    }
    extra.forEach((x, k) => edges.push({ id: `x${k}`, source: `n${x.from % types.length}`, sourcePort: x.port, target: `n${x.to % types.length}` }));
    if (spoil) {
      const victim = nodes[spoilAt % nodes.length]!;
      victim.config = mutate(victim.config, spoil) as Record<string, unknown>;
    }
    return { name: 'chain', nodes, edges };
  });

const anyValue = fc.oneof(fc.anything(), json, fc.record({ name: fc.anything(), nodes: fc.anything(), edges: fc.anything() }));

interface Tally {
  ok: number;
  rejected: number;
}

/** The property itself; returns whether the graph compiled. */
function checkCompile(input: unknown): boolean {
  let result: CompileResult;
  try {
    result = compileGraph(input, contextFor);
  } catch (err) {
    throw new Error(`compileGraph threw instead of answering: ${(err as Error).stack}`);
  }
  const graph = isObject(input) ? input : {};
  const nodeIds = Array.isArray(graph.nodes) ? graph.nodes.map((n) => (isObject(n) ? n.id : undefined)) : [];
  const edgeIds = Array.isArray(graph.edges) ? graph.edges.map((e) => (isObject(e) ? e.id : undefined)) : [];

  if (result.ok) {
    expect(result.errors).toEqual([]);
    const { plan } = result;
    // Every node exactly once, in an order that puts each edge's source before its target.
    expect([...plan.order].sort()).toEqual([...(nodeIds as string[])].sort());
    expect(new Set(plan.order).size).toBe(plan.order.length);
    const rank = new Map(plan.order.map((id, i) => [id, i]));
    for (const n of plan.nodes.values()) {
      for (const targets of n.edges.values()) for (const t of targets) expect(rank.get(n.id)!).toBeLessThan(rank.get(t)!);
    }
    expect(plan.sources.length).toBeGreaterThan(0);
    return true;
  }

  expect(result.errors.length).toBeGreaterThan(0);
  for (const issue of result.errors) expectNamesItsPlace(issue, input, nodeIds, edgeIds);
  // Each node of an unknown type is named as such when the graph itself parses.
  if (Array.isArray(graph.nodes) && GraphSchema.safeParse(input).success) {
    for (const n of graph.nodes) {
      if (isObject(n) && typeof n.type === 'string' && n.type !== '' && !REAL_TYPES.includes(n.type) && typeof n.id === 'string') {
        expect(result.errors.some((e) => e.nodeId === n.id)).toBe(true);
      }
    }
  }
  return false;
}

function expectNamesItsPlace(issue: Issue, input: unknown, nodeIds: unknown[], edgeIds: unknown[]): void {
  const where = JSON.stringify(issue);
  expect(typeof issue.message, where).toBe('string');
  expect(issue.message.length, where).toBeGreaterThan(0);
  expect(typeof issue.path, where).toBe('string');
  if (issue.nodeId !== undefined) {
    expect(nodeIds, where).toContain(issue.nodeId);
    return;
  }
  if (issue.edgeId !== undefined) {
    expect(edgeIds, where).toContain(issue.edgeId);
    return;
  }
  // No element named: then the path says where in the graph, from its top.
  if (issue.path === '') {
    // Only the whole input can be at fault at the root: it was not an object at all.
    expect(isObject(input), where).toBe(false);
    return;
  }
  expect(issue.path, where).toMatch(/^(name|description|nodes|edges)(\[\d+\]|\.|$)/);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Runs the property; a failure prints fast-check's seed, and FC_SEED=<that seed> replays it. */
function run(arbitrary: fc.Arbitrary<unknown>, tally: Tally): void {
  fc.assert(
    fc.property(arbitrary, (input) => {
      if (checkCompile(input)) tally.ok += 1;
      else tally.rejected += 1;
    }),
    { numRuns: RUNS, seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined },
  );
}

describe('compileGraph on generated graphs (property)', () => {
  it('answers any JS or JSON value with errors that name their place, never a throw', () => {
    const tally = { ok: 0, rejected: 0 };
    run(anyValue, tally);
    expect(tally.rejected).toBe(RUNS);
  });

  it('answers near-valid graphs (real and unknown types, mutated configs, bogus ports, duplicates) without throwing', () => {
    const tally = { ok: 0, rejected: 0 };
    run(looseGraph, tally);
    expect(tally.ok + tally.rejected).toBe(RUNS);
  });

  it('compiles DAGs of real nodes with their examples, and rejects them once spoiled, naming the node or edge', () => {
    const tally = { ok: 0, rejected: 0 };
    run(chainGraph, tally);
    // The generator is meant to produce both outcomes: a property that only ever saw rejections proves little.
    expect(tally.ok).toBeGreaterThan(RUNS / 5);
    expect(tally.rejected).toBeGreaterThan(RUNS / 10);
  });

  it('rejects every cycle, naming a node on it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.nat(), (length, entry) => {
        const nodes = [
          { id: 'in', type: 'source.webhook', config: {} },
          ...Array.from({ length }, (_, i) => ({ id: `t${i}`, type: 'transform.jsonata', config: { expression: '$' } })),
          { id: 'out', type: 'sink.log', config: {} },
        ];
        const edges = [
          { id: 'enter', source: 'in', sourcePort: 'out', target: `t${entry % length}` },
          ...Array.from({ length }, (_, i) => ({ id: `c${i}`, source: `t${i}`, sourcePort: 'out', target: `t${(i + 1) % length}` })),
          { id: 'leave', source: 't0', sourcePort: 'out', target: 'out' },
        ];
        const result = compileGraph({ name: 'loop', nodes, edges }, contextFor);
        expect(result.ok).toBe(false);
        const cycle = result.errors.find((e) => /cycle/.test(e.message));
        expect(cycle?.nodeId).toMatch(/^t\d$/);
      }),
      { numRuns: 50 },
    );
  });
});
