import { createContext, memo, useCallback, useContext, useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { CodeEditor } from './CodeEditor';
import { humanise, singular } from './field-label';
import { attachErrors, type FormError } from './form-errors';
import { fieldKind, fieldPaths, initialValue, matchVariant, parseJsonSchema, switchVariant, variantLabel, withoutNull, type FieldKind, type JsonSchema } from './json-schema';
import { isPlainObject, pathKey, setIn, type PathSegment } from './value-path';
import { isSecretRef } from '@sluice/shared';
import { CronPreview } from './CronPreview';
import './settings.css';

export interface SchemaFormProps {
  /** A JSON Schema for an object (a node type's `configSchema`), as the API sends it. */
  schema: unknown;
  value: Record<string, unknown>;
  /** The whole new value, and the path of the field that changed (for undo grouping). */
  onChange(value: Record<string, unknown>, changed: readonly PathSegment[]): void;
  /** Problems, with paths relative to the value (`rules[0].expression`). */
  errors?: readonly FormError[];
  /** Makes input ids unique on the page (e.g. the node id). */
  idPrefix: string;
  readOnly?: boolean;
  /** Names of vault secrets, suggested where a field takes a secret. Default none. */
  secretNames?: readonly string[];
}

interface FormContextValue {
  idPrefix: string;
  /** The id of the datalist of secret names, when there are any. */
  secretList: string | undefined;
  errors: Map<string, string[]>;
  readOnly: boolean;
  set(path: readonly PathSegment[], value: unknown): void;
}

const FormContext = createContext<FormContextValue | null>(null);

function useForm(): FormContextValue {
  const ctx = useContext(FormContext);
  if (!ctx) throw new Error('SchemaForm fields must be rendered inside <SchemaForm>');
  return ctx;
}

/**
 * A form drawn from a JSON Schema: the node type's config schema is the only description of its
 * settings. Each field shows its description as help, its default as placeholder, and the errors
 * whose path names it; errors naming no field are listed above the form.
 *
 * @example
 * <SchemaForm schema={type.configSchema} value={node.config} idPrefix={node.id}
 *   errors={issues} onChange={(config) => updateConfig(node.id, config)} />
 */
export function SchemaForm({ schema: rawSchema, value: rawValue, onChange, errors = [], idPrefix, readOnly = false, secretNames = [] }: SchemaFormProps) {
  const schema = useMemo(() => parseJsonSchema(rawSchema), [rawSchema]);
  const value = useMemo(() => (isPlainObject(rawValue) ? rawValue : {}), [rawValue]);
  const attached = useMemo(() => attachErrors(errors, fieldPaths(schema, value)), [errors, schema, value]);

  // The latest value and callback, so `set` stays the same function and memoised fields skip renders.
  const latest = useRef({ value, onChange });
  latest.current = { value, onChange };
  const set = useCallback((path: readonly PathSegment[], next: unknown) => {
    const updated = setIn(latest.current.value, path, next);
    latest.current.onChange(isPlainObject(updated) ? updated : {}, path);
  }, []);

  const listId = useId();
  const secretList = secretNames.length > 0 ? listId : undefined;
  const ctx = useMemo<FormContextValue>(() => ({ idPrefix, secretList, errors: attached.byField, readOnly, set }), [idPrefix, secretList, attached.byField, readOnly, set]);
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);

  return (
    <FormContext.Provider value={ctx}>
      <div className="schema-form">
        {attached.unattached.length > 0 && (
          <ul className="sf-form-errors" role="alert" data-testid="form-errors">
            {attached.unattached.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
        )}
        {properties.length === 0 && <p className="muted sf-nothing">This node has no settings.</p>}
        {secretList && (
          <datalist id={secretList} data-testid="secret-names">
            {secretNames.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        )}
        {properties.map(([name, prop]) => (
          <SchemaField key={name} name={name} schema={prop} path={[name]} value={value[name]} required={required.has(name)} siblings={readsSiblings(prop) ? value : undefined} />
        ))}
      </div>
    </FormContext.Provider>
  );
}

interface FieldProps {
  name: string;
  schema: JsonSchema;
  path: readonly PathSegment[];
  value: unknown;
  required: boolean;
  /** Inside a list row: help moves to a tooltip, the layout is a grid. */
  compact?: boolean;
  /** Overrides the label (list items). */
  label?: string;
  /** The object holding this field, for a field that reads a sibling (a schedule reads its `timezone`). */
  siblings?: Record<string, unknown>;
}

/** A cron field shows its next times in the time zone its sibling `timezone` names. */
const readsSiblings = (schema: JsonSchema) => schema.format === 'cron';

function fieldIds(idPrefix: string, path: readonly PathSegment[]) {
  const safe = `${idPrefix}-${pathKey(path)}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return { input: `sf-${safe}`, label: `sf-${safe}-label`, help: `sf-${safe}-help`, error: `sf-${safe}-error` };
}

function formatDefault(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (isPlainObject(value) && Object.keys(value).length === 0) return undefined;
  return JSON.stringify(value);
}

/** Text longer than this (a message, not a name or a path) gets a full row inside list rows. */
const SHORT_TEXT_MAX = 200;

/** Full-width fields: editors, nested groups and free text never share a grid row. */
function isWide(kind: FieldKind, schema: JsonSchema): boolean {
  if (kind.kind === 'text') return kind.format === 'multiline' || (schema.pattern === undefined && (schema.maxLength ?? 0) > SHORT_TEXT_MAX);
  return kind.kind === 'jsonata' || kind.kind === 'json' || kind.kind === 'object' || kind.kind === 'rows' || kind.kind === 'list' || kind.kind === 'map' || kind.kind === 'union';
}

const SchemaField = memo(function SchemaField(props: FieldProps) {
  const kind = useMemo(() => fieldKind(props.name, props.schema), [props.name, props.schema]);
  switch (kind.kind) {
    case 'object':
      return <ObjectField {...props} />;
    case 'rows':
      return <RowsField {...props} item={kind.item} />;
    case 'list':
      return <ListField {...props} item={kind.item} />;
    case 'union':
      return <UnionField {...props} variants={kind.variants} />;
    case 'map':
      return <MapField {...props} secrets={kind.secrets} />;
    case 'secretable':
      return <SecretableField {...props} text={kind.text} />;
    default:
      return <LeafField {...props} kind={kind} />;
  }
});

/** Label, help, errors and a control: the frame every simple field shares. */
function FieldFrame(props: FieldProps & { kind: FieldKind; children(ids: ReturnType<typeof fieldIds>, described: string | undefined, invalid: boolean): ReactNode; labelAfter?: boolean }) {
  const { idPrefix, errors } = useForm();
  const ids = fieldIds(idPrefix, props.path);
  const key = pathKey(props.path);
  const messages = errors.get(key) ?? [];
  const schema = withoutNull(props.schema);
  const help = schema.description;
  const described = [help && !props.compact ? ids.help : undefined, messages.length ? ids.error : undefined].filter(Boolean).join(' ') || undefined;
  const label = props.label ?? humanise(props.name);
  const isCode = props.kind.kind === 'jsonata' || props.kind.kind === 'json';
  const isListItem = typeof props.path[props.path.length - 1] === 'number';
  const labelEl = (
    <label
      id={ids.label}
      htmlFor={isCode ? undefined : ids.input}
      title={props.compact ? help : undefined}
      // A code editor is a contenteditable, which `htmlFor` cannot focus.
      onClick={isCode ? () => document.getElementById(ids.input)?.focus() : undefined}
    >
      {label}
      {props.required && !isListItem && (
        <span className="sf-required" aria-hidden="true">
          {' '}
          *
        </span>
      )}
      {props.kind.kind === 'jsonata' && <span className="sf-lang">JSONata</span>}
      {props.kind.kind === 'json' && <span className="sf-lang">JSON</span>}
    </label>
  );
  return (
    <div className={`field sf-field${messages.length ? ' invalid' : ''}${props.compact && isWide(props.kind, schema) ? ' span-all' : ''}${props.labelAfter ? ' sf-check' : ''}`} data-testid={`field-${key}`}>
      {!props.labelAfter && labelEl}
      {props.children(ids, described, messages.length > 0)}
      {props.labelAfter && labelEl}
      {help && (
        <div id={ids.help} className={props.compact ? 'visually-hidden' : 'field-help'}>
          {help}
        </div>
      )}
      {messages.length > 0 && (
        <div id={ids.error} className="field-error" data-testid={`error-${key}`}>
          {messages.join('; ')}
        </div>
      )}
    </div>
  );
}

function LeafField(props: FieldProps & { kind: FieldKind }) {
  const { set, readOnly } = useForm();
  const { kind, path, value, required } = props;
  const schema = withoutNull(props.schema);
  const def = formatDefault(schema.default);
  const testId = `input-${pathKey(path)}`;

  return (
    <FieldFrame {...props} labelAfter={kind.kind === 'boolean'}>
      {(ids, described, invalid) => {
        const common = { id: ids.input, 'aria-describedby': described, 'aria-invalid': invalid || undefined, 'aria-required': required || undefined, 'data-testid': testId, disabled: readOnly };
        switch (kind.kind) {
          case 'boolean':
            return <input type="checkbox" {...common} checked={typeof value === 'boolean' ? value : schema.default === true} onChange={(e) => set(path, e.target.checked)} />;
          case 'number':
            return <NumberInput common={common} value={value} schema={schema} integer={kind.integer} placeholder={def} required={required} onChange={(v) => set(path, v)} />;
          case 'enum': {
            const index = kind.options.findIndex((o) => o === value);
            const hasEmpty = !required || schema.default !== undefined || index < 0;
            return (
              <select {...common} value={index < 0 ? '' : String(index)} onChange={(e) => set(path, e.target.value === '' ? undefined : kind.options[Number(e.target.value)])}>
                {hasEmpty && (
                  <option value="" disabled={required && schema.default === undefined}>
                    {def !== undefined ? `Default (${def})` : required ? 'Choose…' : '—'}
                  </option>
                )}
                {kind.options.map((o, i) => (
                  <option key={i} value={String(i)}>
                    {typeof o === 'string' ? o : JSON.stringify(o)}
                  </option>
                ))}
              </select>
            );
          }
          case 'jsonata':
            return (
              <CodeEditor
                id={ids.input}
                language="jsonata"
                value={typeof value === 'string' ? value : ''}
                onChange={(v) => set(path, v === '' && !required ? undefined : v)}
                labelledBy={ids.label}
                describedBy={described}
                invalid={invalid}
                readOnly={readOnly}
                placeholder={def ?? 'e.g. $sum(items.(price * qty))'}
                testId={testId}
              />
            );
          case 'json':
            return <JsonInput ids={ids} described={described} invalid={invalid} value={value} readOnly={readOnly} testId={testId} objectOnly={schema.type === 'object'} onChange={(v) => set(path, v)} />;
          case 'text': {
            const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
            const onText = (t: string) => set(path, t === '' && !required ? undefined : t);
            if (kind.format === 'multiline') return <textarea {...common} rows={props.compact ? 1 : 3} value={text} placeholder={def} spellCheck={false} onChange={(e) => onText(e.target.value)} />;
            if (kind.format === 'cron') {
              const zone = props.siblings?.timezone;
              return (
                <>
                  <input {...common} type="text" value={text} placeholder={def ?? '0 2 * * *'} maxLength={schema.maxLength} spellCheck={false} autoComplete="off" onChange={(e) => onText(e.target.value)} />
                  <CronPreview expression={text} timezone={typeof zone === 'string' && zone !== '' ? zone : undefined} />
                </>
              );
            }
            return (
              <input
                {...common}
                type={kind.format === 'url' ? 'url' : 'text'}
                value={text}
                placeholder={def ?? (kind.format === 'url' ? 'https://' : undefined)}
                maxLength={schema.maxLength}
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => onText(e.target.value)}
              />
            );
          }
          default:
            return null;
        }
      }}
    </FieldFrame>
  );
}

/** The button that turns a field between a typed value and a vault secret reference. */
function SecretToggle(props: { on: boolean; disabled: boolean; label: string; testId: string; onToggle(): void }) {
  return (
    <button
      type="button"
      className={`sf-secret-toggle${props.on ? ' on' : ''}`}
      aria-pressed={props.on}
      aria-label={`${props.label}: use a secret from the vault`}
      title={props.on ? 'Type a value instead of a secret' : 'Use a secret from the vault (only its name is stored in the flow)'}
      disabled={props.disabled}
      data-testid={props.testId}
      onClick={props.onToggle}
    >
      <svg aria-hidden="true" width="14" height="14" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round">
        <circle cx="5" cy="8" r="3" />
        <path d="M8 8h7M12.5 8v2.5M14.5 8v2" />
      </svg>
    </button>
  );
}

/**
 * A string that may hold a credential: typed as usual, or switched to `{ "$secret": name }`, a
 * reference to a vault secret that is resolved when the flow is deployed.
 */
function SecretableField(props: FieldProps & { text: JsonSchema }) {
  const { set, readOnly, secretList } = useForm();
  const key = pathKey(props.path);
  const label = props.label ?? humanise(props.name);
  const ref = isSecretRef(props.value) ? props.value : null;
  const usingSecret = ref !== null;
  const toggle = (
    <SecretToggle on={usingSecret} disabled={readOnly} label={label} testId={`secret-toggle-${key}`} onToggle={() => set(props.path, usingSecret ? undefined : { $secret: '' })} />
  );
  if (!usingSecret) {
    return (
      <div className="sf-secretable">
        <LeafField {...props} schema={props.text} kind={fieldKind(props.name, props.text)} />
        {toggle}
      </div>
    );
  }
  return (
    <div className="sf-secretable">
      <FieldFrame {...props} schema={props.text} kind={{ kind: 'text', format: 'plain' }}>
        {(ids, described, invalid) => (
          <input
            id={ids.input}
            className="sf-secret-name"
            list={secretList}
            aria-describedby={described}
            aria-invalid={invalid || undefined}
            value={ref?.$secret ?? ''}
            placeholder="secret name, e.g. crm-token"
            disabled={readOnly}
            spellCheck={false}
            autoComplete="off"
            data-testid={`secret-${key}`}
            onChange={(e) => set(props.path, { $secret: e.target.value })}
          />
        )}
      </FieldFrame>
      {toggle}
    </div>
  );
}

interface CommonInputProps {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': boolean | undefined;
  'aria-required': boolean | undefined;
  'data-testid': string;
  disabled: boolean;
}

function numberText(value: unknown): string {
  return typeof value === 'number' ? String(value) : '';
}

/** Keeps what is typed ("1e", "-") while it is not a number yet; emits numbers, or nothing when empty. */
function NumberInput(props: { common: CommonInputProps; value: unknown; schema: JsonSchema; integer: boolean; placeholder?: string; required: boolean; onChange(v: number | undefined): void }) {
  const [draft, setDraft] = useState(() => numberText(props.value));
  useEffect(() => {
    setDraft((current) => (Number(current) === props.value && current.trim() !== '' ? current : numberText(props.value)));
  }, [props.value]);
  const { minimum, maximum } = props.schema;
  return (
    <input
      {...props.common}
      type="number"
      inputMode={props.integer ? 'numeric' : 'decimal'}
      step={props.integer ? 1 : 'any'}
      min={minimum}
      max={maximum}
      value={draft}
      placeholder={props.placeholder}
      onChange={(e) => {
        const text = e.target.value;
        setDraft(text);
        if (text.trim() === '') props.onChange(undefined);
        else if (Number.isFinite(Number(text))) props.onChange(Number(text));
      }}
    />
  );
}

function jsonText(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}

/**
 * Free JSON (a JSON Schema inside a config, a constant's value). What is typed stays as typed; the
 * value changes only when the text parses, and a parse error is shown until it does.
 */
function JsonInput(props: { ids: ReturnType<typeof fieldIds>; described?: string; invalid: boolean; value: unknown; readOnly: boolean; testId: string; objectOnly: boolean; onChange(v: unknown): void }) {
  const [text, setText] = useState(() => jsonText(props.value));
  const [problem, setProblem] = useState<string | null>(null);
  const emitted = useRef(props.value);
  useEffect(() => {
    // A change from outside (undo, an example loaded) replaces the text; our own echo does not.
    if (props.value !== emitted.current) {
      emitted.current = props.value;
      setText(jsonText(props.value));
      setProblem(null);
    }
  }, [props.value]);
  return (
    <>
      <CodeEditor
        id={props.ids.input}
        language="json"
        value={text}
        labelledBy={props.ids.label}
        describedBy={[props.described, problem ? `${props.ids.input}-json` : undefined].filter(Boolean).join(' ') || undefined}
        invalid={props.invalid || problem !== null}
        readOnly={props.readOnly}
        testId={props.testId}
        placeholder={props.objectOnly ? '{ }' : 'a JSON value: "text", 42, true, { … }'}
        // A JSON Schema gets room; a single value (a constant) starts as one line.
        minHeight={props.objectOnly ? '96px' : '2.2em'}
        onChange={(next) => {
          setText(next);
          if (next.trim() === '') {
            setProblem(null);
            emitted.current = undefined;
            props.onChange(undefined);
            return;
          }
          try {
            const parsed: unknown = JSON.parse(next);
            if (props.objectOnly && !isPlainObject(parsed)) {
              setProblem('must be a JSON object: { … }');
              return;
            }
            setProblem(null);
            emitted.current = parsed;
            props.onChange(parsed);
          } catch (err) {
            setProblem(`not valid JSON yet (${err instanceof Error ? err.message : String(err)}); the last valid value is kept`);
          }
        }}
      />
      {problem && (
        <div id={`${props.ids.input}-json`} className="field-error">
          {problem}
        </div>
      )}
    </>
  );
}

function ObjectField(props: FieldProps) {
  const { idPrefix, errors } = useForm();
  const schema = withoutNull(props.schema);
  const ids = fieldIds(idPrefix, props.path);
  const key = pathKey(props.path);
  const value = isPlainObject(props.value) ? props.value : {};
  const required = new Set(schema.required ?? []);
  const messages = errors.get(key) ?? [];
  const nestedErrors = [...errors.keys()].some((k) => k.startsWith(`${key}.`));
  const hasValue = Object.keys(value).length > 0;
  return (
    <details className={`sf-group${props.compact ? ' span-all' : ''}${messages.length ? ' invalid' : ''}`} open={props.required || hasValue || nestedErrors || messages.length > 0 ? true : undefined} data-testid={`field-${key}`}>
      <summary id={ids.label}>
        {props.label ?? humanise(props.name)}
        {props.required && (
          <span className="sf-required" aria-hidden="true">
            {' '}
            *
          </span>
        )}
        {!hasValue && schema.default !== undefined && <span className="sf-summary-note">defaults</span>}
      </summary>
      <div role="group" aria-labelledby={ids.label} className="sf-group-body">
        {schema.description && <div className="field-help sf-group-help">{schema.description}</div>}
        {messages.length > 0 && <div className="field-error" data-testid={`error-${key}`}>{messages.join('; ')}</div>}
        <div className={props.compact ? 'sf-grid' : undefined}>
          {Object.entries(schema.properties ?? {}).map(([name, prop]) => (
            <SchemaField key={name} name={name} schema={prop} path={[...props.path, name]} value={value[name]} required={required.has(name)} compact={props.compact} siblings={readsSiblings(prop) ? value : undefined} />
          ))}
        </div>
      </div>
    </details>
  );
}

/** A union outside a list: a selector for the alternative, then its fields. */
function UnionField(props: FieldProps & { variants: JsonSchema[] }) {
  const { idPrefix, errors, set, readOnly } = useForm();
  const ids = fieldIds(idPrefix, props.path);
  const key = pathKey(props.path);
  const messages = errors.get(key) ?? [];
  const index = matchVariant(props.variants, props.value);
  return (
    <fieldset className={`sf-group sf-union${props.compact ? ' span-all' : ''}`} data-testid={`field-${key}`}>
      <legend>{props.label ?? humanise(props.name)}</legend>
      <VariantSelect id={ids.input} variants={props.variants} index={index} disabled={readOnly} label="Kind" onSelect={(i) => set(props.path, switchVariant(props.value, props.variants[i] ?? {}))} testId={`variant-${key}`} />
      {messages.length > 0 && <div className="field-error">{messages.join('; ')}</div>}
      <VariantFields variant={props.variants[index] ?? {}} path={props.path} value={props.value} compact={props.compact} />
    </fieldset>
  );
}

function VariantSelect(props: { id: string; variants: JsonSchema[]; index: number; disabled: boolean; label: string; onSelect(i: number): void; testId: string }) {
  return (
    <label className="sf-variant">
      <span className="visually-hidden">{props.label}</span>
      <select id={props.id} value={String(props.index)} disabled={props.disabled} onChange={(e) => props.onSelect(Number(e.target.value))} data-testid={props.testId}>
        {props.variants.map((v, i) => (
          <option key={i} value={String(i)}>
            {variantLabel(v, i)}
          </option>
        ))}
      </select>
    </label>
  );
}

function VariantFields(props: { variant: JsonSchema; path: readonly PathSegment[]; value: unknown; compact?: boolean }) {
  const variant = withoutNull(props.variant);
  const kind = fieldKind('', variant);
  if (kind.kind !== 'object') return <SchemaField name={String(props.path[props.path.length - 1] ?? '')} label="Value" schema={variant} path={props.path} value={props.value} required={false} compact={props.compact} />;
  const value = isPlainObject(props.value) ? props.value : {};
  const required = new Set(variant.required ?? []);
  // A field with one possible value (a discriminator such as `type: "hmac"`) is what the Kind picker chose: not drawn.
  const fields = Object.entries(variant.properties ?? {}).filter(([, prop]) => prop.const === undefined);
  return (
    <div className="sf-grid">
      {fields.map(([name, prop]) => (
        <SchemaField key={name} name={name} schema={prop} path={[...props.path, name]} value={value[name]} required={required.has(name)} compact />
      ))}
    </div>
  );
}

/** The line that names a row while it is collapsed or reordered: its first non-empty text. */
function rowSummary(value: unknown): string {
  if (!isPlainObject(value)) return typeof value === 'string' ? value : '';
  for (const v of Object.values(value)) if (typeof v === 'string' && v.trim() !== '') return v;
  return '';
}

function ListHeader(props: { label: string; path: readonly PathSegment[]; schema: JsonSchema; required: boolean; count: number }) {
  const { idPrefix, errors } = useForm();
  const ids = fieldIds(idPrefix, props.path);
  const key = pathKey(props.path);
  const messages = errors.get(key) ?? [];
  return (
    <>
      <div className="sf-list-head">
        <span id={ids.label} className="sf-list-title">
          {props.label}
          {props.required && (
            <span className="sf-required" aria-hidden="true">
              {' '}
              *
            </span>
          )}
        </span>
        <span className="sf-count">{props.count}</span>
      </div>
      {props.schema.description && <div className="field-help sf-group-help">{props.schema.description}</div>}
      {messages.length > 0 && (
        <div className="field-error" data-testid={`error-${key}`}>
          {messages.join('; ')}
        </div>
      )}
    </>
  );
}

function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  const next = [...list];
  const [item] = next.splice(from, 1);
  if (item !== undefined) next.splice(to, 0, item);
  return next;
}

function RowButtons(props: { index: number; count: number; noun: string; onMove(to: number): void; onRemove(): void; disabled: boolean }) {
  const n = props.index + 1;
  return (
    <span className="sf-row-buttons">
      <button type="button" className="icon-button" aria-label={`Move ${props.noun} ${n} up`} title="Move up" disabled={props.disabled || props.index === 0} onClick={() => props.onMove(props.index - 1)}>
        ↑
      </button>
      <button type="button" className="icon-button" aria-label={`Move ${props.noun} ${n} down`} title="Move down" disabled={props.disabled || props.index === props.count - 1} onClick={() => props.onMove(props.index + 1)}>
        ↓
      </button>
      <button type="button" className="icon-button danger" aria-label={`Remove ${props.noun} ${n}`} title="Remove" disabled={props.disabled} onClick={props.onRemove}>
        ✕
      </button>
    </span>
  );
}

/** Arrays of objects (mappings, rules, columns, fields): one card per row, add, remove, reorder. */
function RowsField(props: FieldProps & { item: JsonSchema }) {
  const { set, readOnly, idPrefix } = useForm();
  const schema = withoutNull(props.schema);
  const list = Array.isArray(props.value) ? props.value : [];
  const noun = singular(props.name);
  const itemKind = fieldKind('', props.item);
  const variants = itemKind.kind === 'union' ? itemKind.variants : null;
  const key = pathKey(props.path);
  const atMax = schema.maxItems !== undefined && list.length >= schema.maxItems;

  const add = () => {
    // A new row takes the shape of the last one (a map usually goes on as it started).
    const last: unknown = list[list.length - 1];
    const fresh = variants ? switchVariant(undefined, variants[last === undefined ? 0 : matchVariant(variants, last)] ?? {}) : initialValue(props.item);
    set(props.path, [...list, fresh]);
  };

  return (
    <section className={`sf-list${props.compact ? ' span-all' : ''}`} data-testid={`field-${key}`} aria-labelledby={fieldIds(idPrefix, props.path).label}>
      <ListHeader label={props.label ?? humanise(props.name)} path={props.path} schema={schema} required={props.required} count={list.length} />
      {list.length === 0 && <p className="sf-empty">No {noun}s yet.</p>}
      <ol className="sf-rows">
        {list.map((item, i) => {
          const itemPath = [...props.path, i];
          const variantIndex = variants ? matchVariant(variants, item) : 0;
          const summary = rowSummary(item);
          return (
            <li key={i} className="sf-row" data-testid={`row-${pathKey(itemPath)}`}>
              <div className="sf-row-head">
                <span className="sf-row-index" aria-hidden="true">
                  {i + 1}
                </span>
                {variants ? (
                  <VariantSelect
                    id={fieldIds(idPrefix, itemPath).input}
                    variants={variants}
                    index={variantIndex}
                    disabled={readOnly}
                    label={`Kind of ${noun} ${i + 1}`}
                    testId={`variant-${pathKey(itemPath)}`}
                    onSelect={(v) => set(itemPath, switchVariant(item, variants[v] ?? {}))}
                  />
                ) : (
                  <span className="sf-row-summary" title={summary}>
                    {summary || <span className="muted">{`${humanise(noun)} ${i + 1}`}</span>}
                  </span>
                )}
                <RowButtons index={i} count={list.length} noun={noun} disabled={readOnly} onMove={(to) => set(props.path, moveItem(list, i, to))} onRemove={() => set(props.path, list.filter((_, j) => j !== i))} />
              </div>
              <RowErrors path={itemPath} />
              {variants ? <VariantFields variant={variants[variantIndex] ?? {}} path={itemPath} value={item} compact /> : <VariantFields variant={props.item} path={itemPath} value={item} compact />}
            </li>
          );
        })}
      </ol>
      <button type="button" className="sf-add" onClick={add} disabled={readOnly || atMax} data-testid={`add-${key}`}>
        + Add {noun}
      </button>
    </section>
  );
}

function RowErrors({ path }: { path: readonly PathSegment[] }) {
  const { errors } = useForm();
  const messages = errors.get(pathKey(path)) ?? [];
  if (messages.length === 0) return null;
  return (
    <div className="field-error sf-row-error" data-testid={`error-${pathKey(path)}`}>
      {messages.join('; ')}
    </div>
  );
}

/** Arrays of plain values (strings, numbers, enums): one input per line. */
function ListField(props: FieldProps & { item: JsonSchema }) {
  const { set, readOnly, idPrefix } = useForm();
  const schema = withoutNull(props.schema);
  const list = Array.isArray(props.value) ? props.value : [];
  const noun = singular(props.name);
  const key = pathKey(props.path);
  return (
    <section className={`sf-list${props.compact ? ' span-all' : ''}`} data-testid={`field-${key}`} aria-labelledby={fieldIds(idPrefix, props.path).label}>
      <ListHeader label={props.label ?? humanise(props.name)} path={props.path} schema={schema} required={props.required} count={list.length} />
      <ol className="sf-rows sf-rows-plain">
        {list.map((item, i) => (
          <li key={i} className="sf-line">
            <SchemaField name={noun} label={`${humanise(noun)} ${i + 1}`} schema={props.item} path={[...props.path, i]} value={item} required compact />
            <RowButtons index={i} count={list.length} noun={noun} disabled={readOnly} onMove={(to) => set(props.path, moveItem(list, i, to))} onRemove={() => set(props.path, list.filter((_, j) => j !== i))} />
          </li>
        ))}
      </ol>
      <button type="button" className="sf-add" onClick={() => set(props.path, [...list, initialValue(props.item)])} disabled={readOnly || (schema.maxItems !== undefined && list.length >= schema.maxItems)} data-testid={`add-${key}`}>
        + Add {noun}
      </button>
    </section>
  );
}

interface Entry {
  key: string;
  value: string;
  /** The value names a vault secret: stored as `{ "$secret": value }`. */
  secret: boolean;
}

function toEntries(value: unknown): Entry[] {
  if (!isPlainObject(value)) return [];
  return Object.entries(value).map(([key, v]) => (isSecretRef(v) ? { key, value: v.$secret, secret: true } : { key, value: typeof v === 'string' ? v : JSON.stringify(v), secret: false }));
}

function fromEntries(entries: readonly Entry[]): Record<string, string | { $secret: string }> {
  const out: Record<string, string | { $secret: string }> = {};
  for (const e of entries) if (e.key.trim() !== '') out[e.key] = e.secret ? { $secret: e.value } : e.value;
  return out;
}

/** Records of strings (HTTP headers): name/value rows. A row with no name yet is kept on screen only. */
const MapField = memo(function MapField(props: FieldProps & { secrets: boolean }) {
  const { set, readOnly, idPrefix, errors, secretList } = useForm();
  const schema = withoutNull(props.schema);
  const [entries, setEntries] = useState<Entry[]>(() => toEntries(props.value));
  const emitted = useRef<unknown>(props.value);
  useEffect(() => {
    if (props.value !== emitted.current) {
      emitted.current = props.value;
      setEntries(toEntries(props.value));
    }
  }, [props.value]);
  const key = pathKey(props.path);
  const label = props.label ?? humanise(props.name);
  const noun = singular(props.name);
  const listId = useId();

  const update = (next: Entry[]) => {
    setEntries(next);
    const obj = fromEntries(next);
    const value = Object.keys(obj).length === 0 && !props.required ? undefined : obj;
    emitted.current = value;
    set(props.path, value);
  };

  return (
    <section className={`sf-list${props.compact ? ' span-all' : ''}`} data-testid={`field-${key}`} aria-labelledby={fieldIds(idPrefix, props.path).label}>
      <ListHeader label={label} path={props.path} schema={schema} required={props.required} count={entries.length} />
      {entries.length > 0 && (
        <div className="sf-kv-head" aria-hidden="true" id={listId}>
          <span>Name</span>
          <span>Value</span>
        </div>
      )}
      <ol className="sf-rows sf-rows-plain">
        {entries.map((entry, i) => {
          const messages = errors.get(pathKey([...props.path, entry.key])) ?? [];
          const ids = fieldIds(idPrefix, [...props.path, i]);
          return (
            <li key={i} className={`sf-kv${messages.length ? ' invalid' : ''}`} data-testid={`row-${key}.${i}`}>
              <input
                aria-label={`${humanise(noun)} ${i + 1} name`}
                value={entry.key}
                disabled={readOnly}
                spellCheck={false}
                autoComplete="off"
                aria-invalid={messages.length > 0 || undefined}
                aria-describedby={messages.length ? ids.error : undefined}
                data-testid={`input-${key}.${i}.name`}
                onChange={(e) => update(entries.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))}
              />
              <span className={props.secrets ? 'sf-kv-value' : undefined}>
                <input
                  aria-label={`${humanise(noun)} ${i + 1} ${entry.secret ? 'secret name' : 'value'}`}
                  className={entry.secret ? 'sf-secret-name' : undefined}
                  list={entry.secret ? secretList : undefined}
                  value={entry.value}
                  placeholder={entry.secret ? 'secret name, e.g. crm-token' : undefined}
                  disabled={readOnly}
                  spellCheck={false}
                  autoComplete="off"
                  data-testid={`input-${key}.${i}.value`}
                  onChange={(e) => update(entries.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
                />
                {props.secrets && (
                  <SecretToggle
                    on={entry.secret}
                    disabled={readOnly}
                    label={`${humanise(noun)} ${i + 1}`}
                    testId={`secret-toggle-${key}.${i}`}
                    onToggle={() => update(entries.map((x, j) => (j === i ? { ...x, secret: !x.secret, value: '' } : x)))}
                  />
                )}
              </span>
              <button type="button" className="icon-button danger" aria-label={`Remove ${noun} ${i + 1}`} title="Remove" disabled={readOnly} onClick={() => update(entries.filter((_, j) => j !== i))}>
                ✕
              </button>
              {messages.length > 0 && (
                <div id={ids.error} className="field-error sf-kv-error">
                  {messages.join('; ')}
                </div>
              )}
            </li>
          );
        })}
      </ol>
      <button type="button" className="sf-add" disabled={readOnly} onClick={() => setEntries([...entries, { key: '', value: '', secret: false }])} data-testid={`add-${key}`}>
        + Add {noun}
      </button>
    </section>
  );
});
