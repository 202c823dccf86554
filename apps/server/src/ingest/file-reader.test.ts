import { describe, expect, it } from 'vitest';
import type { FileSettings } from '@sluice/nodes';
import { readFile, type FileItem } from './file-reader.js';

const csv: FileSettings = { format: 'csv', header: true, delimiter: ',', coerce: true, timeoutSeconds: 60 };

/** The text in pieces of `size` bytes, so that lines, characters and elements straddle pieces. */
async function* pieces(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function all(items: AsyncIterable<FileItem>): Promise<FileItem[]> {
  const out: FileItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('readFile', () => {
  it('reads CSV with a header, quotes and type coercion, and names bad lines by number, whatever the piece size', async () => {
    const text = '\uFEFFid,name,price,active,note\r\n1,"Smith, Jane",9.50,true,\n2,Zoë,10,false,"said ""hi"""\n\n3,too,many,fields,here,extra\n4,"unclosed,1,true,x\n0042,x,1e3,FALSE,12345678901234567890\n';
    for (const size of [1, 3, 7, 1000]) {
      const items = await all(readFile(pieces(text, size), csv));
      expect(items).toEqual([
        { line: 2, record: { id: 1, name: 'Smith, Jane', price: 9.5, active: true, note: null } },
        { line: 3, record: { id: 2, name: 'Zoë', price: 10, active: false, note: 'said "hi"' } },
        { line: 5, raw: '3,too,many,fields,here,extra', error: 'expected 5 fields, found 6' },
        expect.objectContaining({ line: 6, raw: '4,"unclosed,1,true,x', error: expect.stringMatching(/quote/i) }),
        { line: 7, record: { id: '0042', name: 'x', price: 1000, active: false, note: '12345678901234567890' } },
      ]);
    }
  });

  it('reads CSV without a header or coercion, with another delimiter', async () => {
    const items = await all(readFile(pieces('a;1\nb;2', 2), { ...csv, header: false, coerce: false, delimiter: ';' }));
    expect(items).toEqual([
      { line: 1, record: { col1: 'a', col2: '1' } },
      { line: 2, record: { col1: 'b', col2: '2' } },
    ]);
  });

  it('reads NDJSON, wrapping non-objects and naming lines that are not JSON', async () => {
    const items = await all(readFile(pieces('{"a":1}\n\n{"a":\n7\n', 4), { ...csv, format: 'ndjson' }));
    expect(items).toEqual([
      { line: 1, record: { a: 1 } },
      expect.objectContaining({ line: 3, raw: '{"a":', error: expect.stringMatching(/^not JSON/) }),
      { line: 4, record: { value: 7 } },
    ]);
  });

  it('splits a JSON array into its elements, strings with brackets and escapes included, and names a broken element', async () => {
    const text = '[\n  {"a": "x]},{\\"y\\"},",\n  "b": [1, {"c": 2}]},\n  {"broken": },\n  5,\n  {"last": true}\n]\n';
    for (const size of [1, 5, 1000]) {
      const items = await all(readFile(pieces(text, size), { ...csv, format: 'json' }));
      expect(items).toEqual([
        { line: 2, record: { a: 'x]},{"y"},', b: [1, { c: 2 }] } },
        expect.objectContaining({ line: 4, error: expect.stringMatching(/^not JSON/) }),
        { line: 5, record: { value: 5 } },
        { line: 6, record: { last: true } },
      ]);
    }
  });

  it('refuses a JSON file that is not an array', async () => {
    await expect(all(readFile(pieces('{"a":1}', 10), { ...csv, format: 'json' }))).rejects.toThrow(/one array/);
  });
});
