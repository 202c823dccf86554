import { z } from 'zod';

// Dotted paths into record data ("customer.address.city", "items.0.sku"), shared by the nodes that
// read or write fields by name (map, mask, postgres). Keys that contain a dot cannot be addressed.

/** Segments that would reach an object's prototype instead of its data. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/** A config field holding a dotted path; `description` is what the settings form shows. */
export function dataPath(description: string) {
  return z
    .string()
    .min(1)
    .max(500)
    .regex(/^[^.]+(\.[^.]+)*$/, 'a dotted path such as "customer.email": no empty segments')
    .refine((p) => p.split('.').every((s) => !FORBIDDEN_SEGMENTS.has(s)), 'path segments __proto__, prototype and constructor are not allowed')
    .describe(description);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path`, or undefined when any step is missing. Reads own properties only. */
export function getPath(data: unknown, path: string): unknown {
  return readAt(data, path.split('.'));
}

/** getPath with the path split once: for reading the same path from many records. */
export function pathReader(path: string): (data: unknown) => unknown {
  const segments = path.split('.');
  return (data) => readAt(data, segments);
}

function readAt(data: unknown, segments: readonly string[]): unknown {
  let current: unknown = data;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Writes `value` at `path` inside `target`, creating intermediate objects; an intermediate that is
 * not an object (or an array indexed by number) is replaced, because the mapping says it must be one.
 * `target` must be an object the caller owns: it is changed in place.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  writeAt(target, path.split('.'), value);
}

/** setPath with the path split once: for writing the same path into many records. */
export function pathWriter(path: string): (target: Record<string, unknown>, value: unknown) => void {
  const segments = path.split('.');
  return (target, value) => writeAt(target, segments, value);
}

function writeAt(target: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let current: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    const next: unknown = readOwn(current, segment);
    if (isPlainObject(next) || (Array.isArray(next) && isIndex(segments[i + 1]!))) {
      current = next;
    } else {
      const created: Record<string, unknown> = {};
      writeOwn(current, segment, created);
      current = created;
    }
  }
  writeOwn(current, segments[segments.length - 1]!, value);
}

function isIndex(segment: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(segment);
}

function readOwn(container: Record<string, unknown> | unknown[], key: string): unknown {
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}

function writeOwn(container: Record<string, unknown> | unknown[], key: string, value: unknown): void {
  if (Array.isArray(container) && isIndex(key)) container[Number(key)] = value;
  // defineProperty, not assignment, for a "__proto__" key that slipped past config validation
  // (e.g. inside data): it becomes plain data rather than a prototype change.
  else if (key === '__proto__') Object.defineProperty(container, key, { value, writable: true, enumerable: true, configurable: true });
  else (container as Record<string, unknown>)[key] = value;
}
