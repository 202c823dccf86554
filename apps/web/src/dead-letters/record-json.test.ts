import { describe, expect, it } from 'vitest';
import { errorOffset, parseRecordJson } from './record-json';

describe('parseRecordJson', () => {
  it('accepts any JSON value', () => {
    expect(parseRecordJson('{ "total": 12.5 }')).toEqual({ ok: true, value: { total: 12.5 } });
    expect(parseRecordJson('[1, 2]')).toEqual({ ok: true, value: [1, 2] });
  });

  it('refuses an empty record', () => {
    expect(parseRecordJson('  \n')).toMatchObject({ ok: false, message: expect.stringContaining('empty') });
  });

  it('says where the JSON breaks', () => {
    const result = parseRecordJson('{\n  "total": 12,\n  "items": [1,,2]\n}');
    expect(result).toMatchObject({ ok: false, line: 3, column: 15 });
    if (result.ok) return;
    expect(result.message).toMatch(/^Not valid JSON at line 3, column 15: Unexpected token/);
  });

  it('points at the end when the record stops short', () => {
    expect(parseRecordJson('{ "a": ')).toMatchObject({ ok: false, line: 1, column: 8 });
  });
});

describe('errorOffset', () => {
  it('finds the first character JSON does not allow', () => {
    expect(errorOffset('{"a": 1,}')).toBe(8);
    expect(errorOffset('{"a": tru}')).toBe(6);
    expect(errorOffset("{'a': 1}")).toBe(1);
    expect(errorOffset('[1, 2] x')).toBe(7);
    expect(errorOffset('{"a": "\\q"}')).toBe(8);
    expect(errorOffset('{"a": [1, {"b": null}], "c": -1.5e3}')).toBe(36);
  });
});
