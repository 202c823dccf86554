// Field labels come from property names, so no node type needs a second, hand-written description.

const ACRONYMS: Record<string, string> = { pii: 'PII', url: 'URL', uri: 'URI', id: 'ID', http: 'HTTP', json: 'JSON', sql: 'SQL', csv: 'CSV', api: 'API', jsonata: 'JSONata' };
const UNITS: Record<string, string> = { ms: 'ms', s: 's', bytes: 'bytes' };

/** `keepUnmapped` → `Keep unmapped`; `timeoutMs` → `Timeout (ms)`; `url` → `URL`. */
export function humanise(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  if (words.length === 0) return name;
  let unit = '';
  const last = words[words.length - 1];
  if (words.length > 1 && last !== undefined && last in UNITS) {
    unit = ` (${UNITS[last]})`;
    words.pop();
  }
  const text = words.map((w) => ACRONYMS[w] ?? w).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1) + unit;
}

/** `mappings` → `mapping`, `rules` → `rule`, `entries` → `entry`: what one row of a list is called. */
export function singular(name: string): string {
  const label = humanise(name).toLowerCase();
  if (/ies$/.test(label)) return label.replace(/ies$/, 'y');
  if (/(ss|sh|ch|x)es$/.test(label)) return label.replace(/es$/, '');
  if (/s$/.test(label) && !/ss$/.test(label)) return label.slice(0, -1);
  return label === '' ? 'item' : label;
}
