// Settings forms: a form drawn from a JSON Schema (every node's settings, the flow's engine settings),
// with code editors for JSONata and JSON fields and field-level errors.
export { SchemaForm, type SchemaFormProps } from './SchemaForm';
export { CodeEditor, type CodeEditorProps, type CodeLanguage } from './CodeEditor';
export type { FormError } from './form-errors';
export { parsePath, pathKey, type PathSegment } from './value-path';
export { humanise } from './field-label';
