// `npm run bench:expressions -w bench`: the cost per record of the orders flow's JSONata expressions,
// evaluated by JSONata (asynchronous, a promise per step) and by the direct evaluator of the subset
// (packages/nodes/src/jsonata-direct.ts), then the flow's pure nodes (map → rules → mask) over
// chunks of 200 orders. CPU only, in this process: medians of 5 rounds, and the ratio of the two.
import { compileExpression, NOT_DIRECT, nodeTypes } from '@sluice/nodes';
import type { EngineRecord } from '@sluice/shared';
import { makeOrders, ordersFlow } from '../../apps/server/test/fixtures.js';
import { median } from './measure.js';

const RECORDS = 20_000;
const ROUNDS = 5;
const CHUNK = 200;

const orders = makeOrders(RECORDS).map((o) => o as unknown as Record<string, unknown>);

async function time(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function perRecordMicros(ms: number): string {
  return ((ms * 1000) / RECORDS).toFixed(2);
}

const graph = ordersFlow({ receiverUrl: 'http://127.0.0.1:9/unused', databaseUrl: 'postgres://unused' });
const ruleExpression = (graph.nodes.find((n) => n.id === 'rules')!.config as { rules: { expression: string }[] }).rules[0]!.expression;
const mapExpression = (graph.nodes.find((n) => n.id === 'map')!.config as { mappings: { expression?: string }[] }).mappings.find((m) => m.expression)!.expression!;

console.log(`expressions of the orders flow, ${RECORDS.toLocaleString('en')} orders, median of ${ROUNDS} rounds (µs per record):`);
for (const source of [ruleExpression, mapExpression]) {
  const expr = compileExpression(source, 'bench');
  if (expr.evaluateDirect(orders[0]) === NOT_DIRECT) throw new Error(`${source} is outside the direct subset`);
  const viaJsonata: number[] = [];
  const direct: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    viaJsonata.push(await time(async () => {
      for (const o of orders) await expr.evaluate(o);
    }));
    direct.push(await time(async () => {
      for (const o of orders) expr.evaluateDirect(o);
    }));
  }
  const j = median(viaJsonata);
  const d = median(direct);
  console.log(`  ${source}\n    JSONata ${perRecordMicros(j)} µs, direct ${perRecordMicros(d)} µs, ${(j / d).toFixed(1)}× faster`);
}

// The pure part of the flow, as the engine runs it: chunk by chunk, node after node.
const noIo = (): never => {
  throw new Error('no I/O in the bench');
};
const pure = ['map', 'rules', 'mask'].map((id) => {
  const node = graph.nodes.find((n) => n.id === id)!;
  const type = nodeTypes.find((t) => t.type === node.type)!;
  const runtime = type.create(type.config.parse(node.config), {
    flowId: 'bench',
    nodeId: id,
    salt: 'bench',
    logger: { info() {}, warn() {}, error() {} },
    postgres: noIo,
    mysql: noIo,
    connection: noIo,
    checkEgress: noIo,
    fetch,
  });
  if (runtime.kind !== 'pure') throw new Error(`${id} is not a pure node`);
  return runtime;
});
const records: EngineRecord[] = orders.map((data, i) => ({ id: `r${i}`, correlationId: 'c', receivedAt: new Date(0).toISOString(), data }));
const pipeline: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  pipeline.push(await time(async () => {
    for (let i = 0; i < records.length; i += CHUNK) {
      let batch = records.slice(i, i + CHUNK);
      for (const node of pure) {
        const result = await node.process(batch, { attempt: 0 });
        batch = result.outputs.out ?? result.outputs.valid ?? [];
      }
    }
  }));
}
const p = median(pipeline);
console.log(`map → rules → mask, chunks of ${CHUNK}: ${perRecordMicros(p)} µs per record, ${Math.round(RECORDS / (p / 1000)).toLocaleString('en')} records/s on one core`);
