// The compiler: graph (nodes, edges) → plan. One function serves validate, deploy, dry runs and the
// worker, so what the editor shows as an error is exactly what deploy refuses.
import { GraphSchema, formatPath, type Graph, type Issue } from '@sluice/shared';
import { findNodeType, NodeConfigError, type CreateContext, type NodeRuntime, type NodeType } from '@sluice/nodes';
import { resolveSecretRefs } from '../vault/resolve.js';
import { describePatterns, secretFieldPatterns, takesSecret } from '../vault/secret-fields.js';

export interface PlanNode {
  id: string;
  type: NodeType;
  runtime: NodeRuntime;
  /** Output port → ids of the nodes its edges lead to. */
  edges: Map<string, string[]>;
  /** Ports whose records become dead letters because nothing is wired to them. */
  deadLetterPorts: Set<string>;
}

export interface Plan {
  graph: Graph;
  nodes: Map<string, PlanNode>;
  /** Node ids in topological order. */
  order: string[];
  /** Ids of the source nodes. */
  sources: string[];
}

export type CompileResult = { ok: true; plan: Plan; errors: [] } | { ok: false; errors: Issue[] };

/** Services for node runtimes; `validateOnly` contexts must do no I/O. */
export type ContextFactory = (nodeId: string) => CreateContext;

/**
 * `secrets`: the values of the vault secrets the graph references (`{ "$secret": name }`), given by
 * the caller (see compileWithSecrets); a reference without a value is an error on its node.
 */
export function compileGraph(input: unknown, contextFor: ContextFactory, secrets: ReadonlyMap<string, string> = new Map()): CompileResult {
  const parsed = GraphSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((issue) => issueForGraphPath(input, issue.path, issue.message)) };
  }
  const graph = parsed.data;
  const errors: Issue[] = [];
  const nodes = new Map<string, PlanNode>();

  for (const node of graph.nodes) {
    if (nodes.has(node.id)) {
      errors.push({ nodeId: node.id, path: 'id', message: `two nodes have the id "${node.id}"` });
      continue;
    }
    const type = findNodeType(node.type);
    if (!type) {
      errors.push({ nodeId: node.id, path: 'type', message: `unknown node type "${node.type}"` });
      continue;
    }
    const patterns = secretFieldPatterns(type);
    const resolved = resolveSecretRefs(node.config, secrets, (path) => takesSecret(patterns, path));
    if (resolved.missing.length > 0) {
      for (const m of resolved.missing) {
        const message =
          m.problem === 'missing'
            ? `secret "${m.name}" is not set; a system admin sets it on the Secrets page`
            : `a secret can be used only where ${type.type} takes a credential${patterns.length ? ` (${describePatterns(patterns)})` : ' (it takes none)'}, not here`;
        errors.push({ nodeId: node.id, path: m.path, message });
      }
      continue;
    }
    const config = type.config.safeParse(resolved.config);
    if (!config.success) {
      for (const issue of config.error.issues) {
        errors.push({ nodeId: node.id, path: formatPath(['config', ...issue.path.map(pathPart)]), message: issue.message });
      }
      continue;
    }
    let runtime: NodeRuntime;
    try {
      runtime = type.create(config.data, contextFor(node.id));
    } catch (err) {
      if (err instanceof NodeConfigError) {
        errors.push({ nodeId: node.id, path: err.path ? `config.${err.path}` : 'config', message: err.message });
      } else {
        errors.push({ nodeId: node.id, path: 'config', message: `cannot be compiled: ${(err as Error).message}` });
      }
      continue;
    }
    nodes.set(node.id, { id: node.id, type, runtime, edges: new Map(), deadLetterPorts: new Set() });
  }

  const declared = new Set(graph.nodes.map((n) => n.id));
  const edgeIds = new Set<string>();
  const edgeKeys = new Set<string>();
  for (const edge of graph.edges) {
    const fail = (path: string, message: string) => errors.push({ edgeId: edge.id, path, message });
    if (edgeIds.has(edge.id)) fail('id', `two edges have the id "${edge.id}"`);
    edgeIds.add(edge.id);
    if (!declared.has(edge.source)) {
      fail('source', `edge starts at node "${edge.source}", which is not in the flow`);
      continue;
    }
    if (!declared.has(edge.target)) {
      fail('target', `edge ends at node "${edge.target}", which is not in the flow`);
      continue;
    }
    if (edge.source === edge.target) {
      fail('target', 'an edge cannot connect a node to itself');
      continue;
    }
    const from = nodes.get(edge.source);
    const to = nodes.get(edge.target);
    if (!from || !to) continue; // that node already has its own error
    if (from.type.kind === 'sink') {
      errors.push({ nodeId: from.id, edgeId: edge.id, path: 'sourcePort', message: `a sink (${from.type.type}) has no outputs; remove edge "${edge.id}"` });
      continue;
    }
    if (!from.type.outputs.some((p) => p.name === edge.sourcePort)) {
      const ports = from.type.outputs.map((p) => p.name).join(', ');
      fail('sourcePort', `node "${from.id}" (${from.type.type}) has no output "${edge.sourcePort}"; its outputs are: ${ports}`);
      continue;
    }
    if (to.type.inputs.length === 0) {
      errors.push({ nodeId: to.id, edgeId: edge.id, path: 'target', message: `a source (${to.type.type}) takes no input; remove edge "${edge.id}"` });
      continue;
    }
    const targetPort = edge.targetPort ?? to.type.inputs[0]!.name;
    if (!to.type.inputs.some((p) => p.name === targetPort)) {
      fail('targetPort', `node "${to.id}" (${to.type.type}) has no input "${targetPort}"`);
      continue;
    }
    const key = `${edge.source}\u0000${edge.sourcePort}\u0000${edge.target}`;
    if (edgeKeys.has(key)) {
      fail('id', `edge "${edge.id}" repeats another edge from "${edge.source}".${edge.sourcePort} to "${edge.target}"`);
      continue;
    }
    edgeKeys.add(key);
    const targets = from.edges.get(edge.sourcePort) ?? [];
    targets.push(edge.target);
    from.edges.set(edge.sourcePort, targets);
  }

  const sources = graph.nodes.filter((n) => findNodeType(n.type)?.kind === 'source').map((n) => n.id);
  if (sources.length === 0) errors.push({ path: 'nodes', message: 'a flow needs at least one source node' });

  for (const node of nodes.values()) {
    for (const port of node.type.outputs) {
      if (port.deadLetterWhenUnwired && !node.edges.has(port.name)) node.deadLetterPorts.add(port.name);
    }
  }

  const order = topologicalOrder(graph, nodes, errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, plan: { graph, nodes, order, sources }, errors: [] };
}

/** Kahn's algorithm; nodes left over sit on a cycle, which is reported once with its members. */
function topologicalOrder(graph: Graph, nodes: Map<string, PlanNode>, errors: Issue[]): string[] {
  const indegree = new Map<string, number>();
  for (const id of nodes.keys()) indegree.set(id, 0);
  for (const node of nodes.values()) {
    for (const targets of node.edges.values()) for (const t of targets) indegree.set(t, (indegree.get(t) ?? 0) + 1);
  }
  const ready = graph.nodes.map((n) => n.id).filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const targets of nodes.get(id)?.edges.values() ?? []) {
      for (const t of targets) {
        const left = (indegree.get(t) ?? 0) - 1;
        indegree.set(t, left);
        if (left === 0) ready.push(t);
      }
    }
  }
  const onCycle = [...indegree.entries()].filter(([id, d]) => d > 0 && !order.includes(id)).map(([id]) => id);
  if (onCycle.length > 0) {
    errors.push({ nodeId: onCycle[0], path: 'edges', message: `the flow has a cycle through nodes ${onCycle.map((n) => `"${n}"`).join(', ')}; flows must not loop` });
  }
  return order;
}

function pathPart(p: PropertyKey): string | number {
  return typeof p === 'symbol' ? String(p) : p;
}

/** Maps a path inside the raw graph (e.g. nodes[3].config) to the node or edge it names. */
function issueForGraphPath(input: unknown, rawPath: readonly PropertyKey[], message: string): Issue {
  const path = rawPath.map(pathPart);
  const [collection, index, ...rest] = path;
  if ((collection === 'nodes' || collection === 'edges') && typeof index === 'number' && isObject(input)) {
    const list = input[collection];
    const element = Array.isArray(list) ? list[index] : undefined;
    const id = isObject(element) && typeof element.id === 'string' ? element.id : undefined;
    const where = rest.length > 0 ? formatPath(rest) : collection === 'nodes' ? 'node' : 'edge';
    if (id !== undefined) {
      return collection === 'nodes' ? { nodeId: id, path: where, message } : { edgeId: id, path: where, message };
    }
    return { path: formatPath(path), message };
  }
  return { path: formatPath(path), message };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
