// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useState } from 'react';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { SchemaForm } from './SchemaForm';
import type { FormError } from './form-errors';
import { acceptSecretRefs } from '@sluice/shared';

afterEach(cleanup);

// Schemas as the API sends them (zod v4 `z.toJSONSchema(config, { io: 'input' })` of real node types).
const retry = {
  description: 'When and how often a transient failure is tried again.',
  default: {},
  type: 'object',
  properties: {
    strategy: { default: 'exponential', description: 'How the delay grows between attempts.', type: 'string', enum: ['exponential', 'linear', 'fixed'] },
    maxAttempts: { default: 5, description: 'Attempts in all.', type: 'integer', minimum: 1, maximum: 100 },
  },
};

const httpSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    url: { type: 'string', maxLength: 2000, format: 'uri', description: 'Where records are sent.' },
    method: { default: 'POST', description: 'HTTP method. Default POST.', type: 'string', enum: ['POST', 'PUT', 'PATCH'] },
    headers: { default: {}, description: 'Extra request headers.', type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'string', maxLength: 8000 } },
    batchSize: { default: 1, description: 'Records per request.', type: 'integer', minimum: 1, maximum: 1000 },
    retry,
  },
  required: ['url'],
};

const target = { type: 'string', minLength: 1, description: 'Dotted path of the output field to write.' };
const mapSchema = {
  type: 'object',
  properties: {
    keepUnmapped: { default: false, description: 'Start from a copy of the input data.', type: 'boolean' },
    mappings: {
      minItems: 1,
      type: 'array',
      description: 'The fields to write, applied in order.',
      items: {
        anyOf: [
          {
            type: 'object',
            properties: { target, expression: { type: 'string', minLength: 1, description: 'JSONata expression evaluated against the input record data.' } },
            required: ['target', 'expression'],
            additionalProperties: false,
            description: 'Computes a field with a JSONata expression.',
          },
          {
            type: 'object',
            properties: {
              target,
              source: { type: 'string', description: 'Dotted path of the input field to read.' },
              op: { default: 'copy', type: 'string', enum: ['copy', 'trim', 'lowercase', 'constant'], description: 'What to do with the source value.' },
              value: { description: 'The JSON value written by the constant op.' },
            },
            required: ['target'],
            additionalProperties: false,
            description: 'Copies or converts one input field into an output field.',
          },
        ],
      },
    },
  },
  required: ['mappings'],
};

const rulesSchema = {
  type: 'object',
  properties: {
    rules: {
      type: 'array',
      minItems: 1,
      description: 'The rules.',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1, description: 'Short unique name of the rule.' },
          expression: { type: 'string', minLength: 1, description: 'JSONata expression evaluated against the record data.' },
          message: { type: 'string', minLength: 1, description: 'What an analyst reads.' },
        },
        required: ['name', 'expression', 'message'],
      },
    },
  },
  required: ['rules'],
};

const validateSchema = {
  type: 'object',
  properties: { schema: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: {}, description: 'JSON Schema the record data must satisfy.' } },
  required: ['schema'],
};

const tagsSchema = { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' }, description: 'Labels.' } } };

/** Renders a SchemaForm that keeps its own value, and records every change. */
function renderForm(schema: unknown, initial: Record<string, unknown>, errors: FormError[] = [], secretNames: string[] = []) {
  const changes: { value: Record<string, unknown>; path: readonly (string | number)[] }[] = [];
  function Host() {
    const [value, setValue] = useState(initial);
    return (
      <SchemaForm
        schema={schema}
        value={value}
        idPrefix="n1"
        errors={errors}
        secretNames={secretNames}
        onChange={(next, path) => {
          changes.push({ value: next, path });
          setValue(next);
        }}
      />
    );
  }
  render(<Host />);
  const last = () => changes[changes.length - 1]?.value;
  return { changes, last };
}

describe('SchemaForm', () => {
  it('draws strings, urls, numbers with limits, enums with defaults and booleans with labels', () => {
    const { last } = renderForm(httpSchema, { url: 'https://a.example/x' });
    const url = screen.getByLabelText(/^URL/);
    expect(url).toHaveProperty('type', 'url');
    expect(url).toHaveProperty('value', 'https://a.example/x');
    expect(url.getAttribute('aria-required')).toBe('true');
    expect(screen.getByText('Where records are sent.')).toBeTruthy();

    const method = screen.getByLabelText('Method');
    expect(method.tagName).toBe('SELECT');
    expect(within(method).getByText('Default (POST)')).toBeTruthy();
    fireEvent.change(method, { target: { value: '1' } });
    expect(last()).toEqual({ url: 'https://a.example/x', method: 'PUT' });

    const batch = screen.getByLabelText('Batch size');
    expect(batch.getAttribute('min')).toBe('1');
    expect(batch.getAttribute('max')).toBe('1000');
    expect(batch.getAttribute('placeholder')).toBe('1');
    fireEvent.change(batch, { target: { value: '50' } });
    expect(last()?.batchSize).toBe(50);
    fireEvent.change(batch, { target: { value: '' } });
    expect(last() && 'batchSize' in last()!).toBe(false);

    fireEvent.change(url, { target: { value: 'https://b.example' } });
    expect(last()?.url).toBe('https://b.example');
  });

  it('lists the next five times of a cron field in the time zone its sibling names, and says what is wrong with a bad one', () => {
    const schema = {
      type: 'object',
      properties: {
        schedule: { type: 'string', maxLength: 200, format: 'cron', description: 'When runs start.' },
        timezone: { type: 'string', maxLength: 100, description: 'IANA time zone.' },
      },
    };
    renderForm(schema, { schedule: '0 2 * * *', timezone: 'Asia/Tokyo' });
    const items = () => within(screen.getByTestId('cron-preview')).getAllByRole('listitem').map((li) => li.textContent ?? '');
    expect(items()).toHaveLength(5);
    expect(items().every((t) => /02:00/.test(t))).toBe(true);
    // The zone changes: the times follow (02:00 in Tokyo is 17:00 UTC the day before).
    fireEvent.change(screen.getByTestId('input-timezone'), { target: { value: 'UTC' } });
    expect(items().every((t) => /02:00/.test(t) && /UTC/.test(t))).toBe(true);
    fireEvent.change(screen.getByTestId('input-schedule'), { target: { value: '99 * * * *' } });
    expect(screen.queryByTestId('cron-preview')).toBeNull();
    expect(screen.getByRole('status').textContent).toMatch(/minute|99/i);
  });

  it('draws a nested object (retry policy) as a group whose fields write into it', () => {
    const { last } = renderForm(httpSchema, { url: 'https://a.example' });
    const group = screen.getByTestId('field-retry');
    expect(within(group).getByText('Retry')).toBeTruthy();
    fireEvent.change(within(group).getByLabelText('Max attempts'), { target: { value: '8' } });
    expect(last()?.retry).toEqual({ maxAttempts: 8 });
    fireEvent.change(within(group).getByLabelText('Strategy'), { target: { value: '2' } });
    expect(last()?.retry).toEqual({ maxAttempts: 8, strategy: 'fixed' });
  });

  it('edits a record of strings (headers) as name/value rows', () => {
    const { last } = renderForm(httpSchema, { url: 'https://a.example', headers: { Authorization: 'Bearer x' } });
    expect(screen.getByLabelText('Header 1 name')).toHaveProperty('value', 'Authorization');
    fireEvent.change(screen.getByLabelText('Header 1 value'), { target: { value: 'Bearer y' } });
    expect(last()?.headers).toEqual({ Authorization: 'Bearer y' });
    fireEvent.click(screen.getByRole('button', { name: '+ Add header' }));
    fireEvent.change(screen.getByLabelText('Header 2 name'), { target: { value: 'X-Tenant' } });
    fireEvent.change(screen.getByLabelText('Header 2 value'), { target: { value: 'eu' } });
    expect(last()?.headers).toEqual({ Authorization: 'Bearer y', 'X-Tenant': 'eu' });
    fireEvent.click(screen.getByRole('button', { name: 'Remove header 1' }));
    expect(last()?.headers).toEqual({ 'X-Tenant': 'eu' });
  });

  it('lets a field that may hold a credential name a vault secret instead, and shows a stored reference', () => {
    // As the API sends it: fields marked secretRef accept { "$secret": name } too.
    const schema = acceptSecretRefs({
      ...httpSchema,
      properties: { ...httpSchema.properties, url: { ...httpSchema.properties.url, secretRef: true }, headers: { ...httpSchema.properties.headers, additionalProperties: { type: 'string', maxLength: 8000, secretRef: true } } },
    });
    const { last } = renderForm(schema, { url: 'https://a.example', headers: { Authorization: 'Bearer x' } }, [], ['crm-token', 'crm-url']);
    expect(screen.getByTestId('input-url')).toHaveProperty('value', 'https://a.example');
    fireEvent.click(screen.getByTestId('secret-toggle-url'));
    expect(last()?.url).toEqual({ $secret: '' });
    // The secret names are offered as suggestions.
    const list = screen.getByTestId('secret-names');
    expect(screen.getByTestId('secret-url').getAttribute('list')).toBe(list.id);
    expect([...list.querySelectorAll('option')].map((o) => o.getAttribute('value'))).toEqual(['crm-token', 'crm-url']);
    fireEvent.change(screen.getByTestId('secret-url'), { target: { value: 'crm-url' } });
    expect(last()?.url).toEqual({ $secret: 'crm-url' });

    fireEvent.click(screen.getByRole('button', { name: 'Header 1: use a secret from the vault' }));
    fireEvent.change(screen.getByLabelText('Header 1 secret name'), { target: { value: 'crm-token' } });
    expect(last()?.headers).toEqual({ Authorization: { $secret: 'crm-token' } });

    // Back to a typed value.
    fireEvent.click(screen.getByTestId('secret-toggle-url'));
    expect(last() && 'url' in last()!).toBe(false);
    cleanup();
    renderForm(schema, { url: { $secret: 'stored-url' }, headers: { Authorization: { $secret: 'crm-token' } } });
    expect(screen.getByTestId('secret-url')).toHaveProperty('value', 'stored-url');
    expect(screen.getByLabelText('Header 1 secret name')).toHaveProperty('value', 'crm-token');
  });

  it('draws a union of mappings with a variant selector per row, and switches variants keeping shared fields', () => {
    const { last } = renderForm(mapSchema, {
      mappings: [
        { target: 'total', expression: '$sum(items.price)' },
        { target: 'email', source: 'Email', op: 'lowercase' },
      ],
    });
    const first = screen.getByTestId('variant-mappings.0') as HTMLSelectElement;
    const second = screen.getByTestId('variant-mappings.1') as HTMLSelectElement;
    expect(first.selectedOptions[0]?.textContent).toBe('Computes a field with a JSONata expression');
    expect(second.selectedOptions[0]?.textContent).toBe('Copies or converts one input field into an output field');
    // The JSONata field of the first row is a code editor labelled by the field's label.
    const row0 = screen.getByTestId('row-mappings.0');
    expect(within(row0).getByTestId('input-mappings.0.expression').textContent).toContain('$sum(items.price)');
    // Source and op of the second row are plain inputs.
    const row1 = screen.getByTestId('row-mappings.1');
    fireEvent.change(within(row1).getByLabelText('Source'), { target: { value: 'EMAIL' } });
    expect(last()?.mappings).toEqual([
      { target: 'total', expression: '$sum(items.price)' },
      { target: 'email', source: 'EMAIL', op: 'lowercase' },
    ]);
    fireEvent.change(first, { target: { value: '1' } });
    expect(last()?.mappings).toEqual([{ target: 'total' }, { target: 'email', source: 'EMAIL', op: 'lowercase' }]);
  });

  it('adds, reorders and removes rows of objects', () => {
    const { last } = renderForm(rulesSchema, { rules: [{ name: 'a', expression: 'x > 1', message: 'too small' }] });
    fireEvent.click(screen.getByRole('button', { name: '+ Add rule' }));
    expect(last()?.rules).toEqual([{ name: 'a', expression: 'x > 1', message: 'too small' }, { name: '', expression: '', message: '' }]);
    fireEvent.change(within(screen.getByTestId('row-rules.1')).getByLabelText(/^Name/), { target: { value: 'b' } });
    fireEvent.click(screen.getByRole('button', { name: 'Move rule 2 up' }));
    expect(last()?.rules).toEqual([{ name: 'b', expression: '', message: '' }, { name: 'a', expression: 'x > 1', message: 'too small' }]);
    fireEvent.click(screen.getByRole('button', { name: 'Remove rule 1' }));
    expect(last()?.rules).toEqual([{ name: 'a', expression: 'x > 1', message: 'too small' }]);
  });

  it('edits an array of strings one line each', () => {
    const { last } = renderForm(tagsSchema, { tags: ['a'] });
    fireEvent.click(screen.getByRole('button', { name: '+ Add tag' }));
    fireEvent.change(screen.getByLabelText('Tag 2'), { target: { value: 'b' } });
    expect(last()).toEqual({ tags: ['a', 'b'] });
  });

  it('toggles a boolean and shows its default when unset', () => {
    const { last } = renderForm(mapSchema, { mappings: [] });
    const box = screen.getByLabelText('Keep unmapped') as HTMLInputElement;
    expect(box.checked).toBe(false);
    fireEvent.click(box);
    expect(last()?.keepUnmapped).toBe(true);
  });

  it('puts free JSON (a JSON Schema in the config) in a JSON code editor', () => {
    renderForm(validateSchema, { schema: { type: 'object', required: ['id'] } });
    const editor = screen.getByTestId('input-schema');
    expect(editor.getAttribute('contenteditable')).toBe('true');
    expect(editor.textContent).toContain('"required"');
    expect(screen.getByLabelText(/^Schema/)).toBe(editor);
  });

  it('shows each error on the field its path names, and errors naming no field above the form', () => {
    renderForm(
      rulesSchema,
      { rules: [{ name: 'a', expression: '$sum(', message: 'm' }, { name: 'a', expression: 'true', message: 'm' }] },
      [
        { path: 'rules[0].expression', message: 'Expected ")" at position 5' },
        { path: 'rules.1.name', message: 'rule name "a" is used twice' },
        { path: '', message: 'cannot be compiled' },
        { path: 'nonsense.deep', message: 'unknown key' },
      ],
    );
    const expression = screen.getByTestId('field-rules.0.expression');
    expect(within(expression).getByText('Expected ")" at position 5')).toBeTruthy();
    expect(screen.getByTestId('input-rules.0.expression').getAttribute('aria-invalid')).toBe('true');
    const name = screen.getByTestId('field-rules.1.name');
    expect(within(name).getByText('rule name "a" is used twice')).toBeTruthy();
    expect(within(screen.getByTestId('field-rules.0.name')).queryByText(/used twice/)).toBeNull();
    const top = screen.getByTestId('form-errors');
    expect(top.textContent).toContain('cannot be compiled');
    expect(top.textContent).toContain('nonsense.deep: unknown key');
  });

  it('gives an error inside a header to that header row, and inside free JSON to its editor', () => {
    renderForm(httpSchema, { url: 'https://a.example', headers: { 'Idempotency-Key': 'x' } }, [{ path: 'headers.Idempotency-Key', message: 'is set by the sink' }]);
    expect(screen.getByTestId('row-headers.0').textContent).toContain('is set by the sink');
    cleanup();
    renderForm(validateSchema, { schema: { type: 'nope' } }, [{ path: 'schema.type', message: 'invalid JSON Schema' }]);
    expect(within(screen.getByTestId('field-schema')).getByText('invalid JSON Schema')).toBeTruthy();
  });

  it('emits nothing while disabled', () => {
    const onChange = vi.fn();
    render(<SchemaForm schema={httpSchema} value={{ url: 'https://a.example' }} idPrefix="n2" readOnly onChange={onChange} />);
    expect(screen.getByLabelText(/^URL/)).toHaveProperty('disabled', true);
  });
});
