import { describe, expect, it } from 'vitest';
import { parseSampleRecords } from './sample-records';

describe('sample records for Try it', () => {
  it('reads a JSON array, one object, NDJSON and CSV with a header', () => {
    expect(parseSampleRecords('[{"a":1},{"a":2}]')).toMatchObject({ ok: true, format: 'json', records: [{ a: 1 }, { a: 2 }] });
    expect(parseSampleRecords('{"a":1}')).toMatchObject({ ok: true, format: 'json', records: [{ a: 1 }] });
    expect(parseSampleRecords('{"a":1}\n\n{"a":2}\n')).toMatchObject({ ok: true, format: 'ndjson', records: [{ a: 1 }, { a: 2 }] });
    expect(parseSampleRecords('id,total,paid\no-1,12.5,true\no-2,7,false')).toMatchObject({
      ok: true,
      format: 'csv',
      records: [
        { id: 'o-1', total: 12.5, paid: true },
        { id: 'o-2', total: 7, paid: false },
      ],
    });
    expect(parseSampleRecords('id,total\no-1,12.5', { convertTypes: false })).toMatchObject({ records: [{ id: 'o-1', total: '12.5' }] });
  });

  it('names the line or item at fault', () => {
    expect(parseSampleRecords('{"a":1}\n{"a":')).toMatchObject({ ok: false, format: 'ndjson', message: expect.stringContaining('line 2') });
    expect(parseSampleRecords('[{"a":1}, 3]')).toMatchObject({ ok: false, message: expect.stringContaining('item 2') });
    expect(parseSampleRecords('   ')).toMatchObject({ ok: false });
  });

  it('trusts a file extension over the content', () => {
    expect(parseSampleRecords('{"a":1}\n{"a":2}', { fileName: 'x.jsonl' })).toMatchObject({ ok: true, format: 'ndjson' });
  });
});
