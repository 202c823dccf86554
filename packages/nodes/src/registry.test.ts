import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import type { NodeType } from './define.js';
import { findNodeType, nodeTypes } from './index.js';
import { makeContext } from './testing.js';

type JsonSchema = Record<string, unknown>;

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Paths of config fields without a description, through nested objects, arrays of objects and
 * union members: the settings form shows the description beside every field.
 */
function undescribedFields(schema: JsonSchema, path = 'config'): string[] {
  const missing: string[] = [];
  const properties = isSchema(schema.properties) ? schema.properties : {};
  for (const [name, field] of Object.entries(properties)) {
    if (!isSchema(field)) continue;
    if (typeof field.description !== 'string' || field.description.trim() === '') missing.push(`${path}.${name}`);
    missing.push(...undescribedFields(field, `${path}.${name}`));
  }
  if (isSchema(schema.items)) missing.push(...undescribedFields(schema.items, `${path}[]`));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const members = schema[key];
    if (Array.isArray(members)) members.filter(isSchema).forEach((m, i) => missing.push(...undescribedFields(m, `${path}<${key}${i}>`)));
  }
  return missing;
}

/** The runtime kind a node kind must compile to. */
function runtimeKind(type: NodeType): 'source' | 'pure' | 'sink' {
  return type.kind === 'source' || type.kind === 'sink' ? type.kind : 'pure';
}

describe('node type registry', () => {
  it('has unique type names, each found by findNodeType', () => {
    const names = nodeTypes.map((t) => t.type);
    expect(new Set(names).size).toBe(names.length);
    for (const type of nodeTypes) expect(findNodeType(type.type)).toBe(type);
    expect(findNodeType('no.such.type')).toBeUndefined();
  });

  it('lists the expected node types', () => {
    expect(nodeTypes.map((t) => t.type).sort()).toEqual(
      [
        'route.filter',
        'sink.amqp',
        'sink.http',
        'sink.log',
        'sink.mqtt',
        'sink.nats',
        'sink.postgres',
        'sink.redis',
        'source.amqp',
        'source.file',
        'source.http',
        'source.mqtt',
        'source.mysql',
        'source.nats',
        'source.postgres',
        'source.redis',
        'source.webhook',
        'transform.jsonata',
        'transform.map',
        'transform.mask',
        'validate.rules',
        'validate.schema',
      ].sort(),
    );
  });

  it('finds undescribed fields wherever they hide', () => {
    const schema = z.object({
      a: z.string(),
      b: z.array(z.object({ c: z.number().describe('c'), f: z.boolean() })).describe('b'),
      d: z.union([z.object({ e: z.string() }), z.string()]).describe('d'),
    });
    expect(undescribedFields(z.toJSONSchema(schema))).toEqual(['config.a', 'config.b[].f', 'config.d<anyOf0>.e']);
  });

  describe.each(nodeTypes.map((t) => [t.type, t] as const))('%s', (_, type) => {
    it('names itself for the palette', () => {
      expect(type.type).toMatch(new RegExp(`^${type.kind}\\.[a-z]+$`));
      expect(type.title.length).toBeGreaterThan(0);
      expect(type.summary.length).toBeGreaterThan(0);
      expect(type.category.length).toBeGreaterThan(0);
    });

    it('has ports that fit its kind', () => {
      const inputs = type.inputs.map((p) => p.name);
      const outputs = type.outputs.map((p) => p.name);
      if (type.kind === 'source') expect(inputs).toEqual([]);
      else expect(inputs.length).toBeGreaterThan(0);
      if (type.kind === 'sink') expect(outputs).toEqual([]);
      else expect(outputs.length).toBeGreaterThan(0);
      expect(new Set(inputs).size).toBe(inputs.length);
      expect(new Set(outputs).size).toBe(outputs.length);
    });

    it('exports its config as JSON Schema, every field described', () => {
      for (const io of ['output', 'input'] as const) {
        const schema = z.toJSONSchema(type.config, { io });
        expect(schema.type).toBe('object');
        expect(undescribedFields(schema)).toEqual([]);
      }
    });

    it('has examples that parse with its own schema and compile without I/O', async () => {
      expect(type.examples.length).toBeGreaterThan(0);
      for (const example of type.examples) {
        const parsed = type.config.safeParse(example.config);
        expect(parsed.error?.issues ?? [], example.title).toEqual([]);
        // Creating a runtime must not touch the network or a database: both would throw here.
        const ctx = makeContext({
          postgres: () => ({ query: () => Promise.reject(new Error('create() must not query')) }),
        });
        const runtime = type.create(parsed.data, ctx);
        expect(runtime.kind).toBe(runtimeKind(type));
        if (runtime.kind === 'sink') expect(runtime.retry.maxAttempts).toBeGreaterThanOrEqual(1);
      }
    });
  });
});
