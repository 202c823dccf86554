import CodeMirror, { EditorView } from '@uiw/react-codemirror';
import { json } from '@codemirror/lang-json';

// Module scope: a new extensions array would reconfigure the editor on every render.
const EXTENSIONS = [json(), EditorView.lineWrapping, EditorView.contentAttributes.of({ 'aria-label': 'Record JSON', 'aria-multiline': 'true' })];
const SETUP = { foldGutter: true, autocompletion: false, searchKeymap: true, highlightActiveLineGutter: true } as const;

/** The record as JSON, with highlighting and bracket matching; labelled "Record JSON". */
export function RecordEditor({ value, onChange, readOnly, invalid }: { value: string; onChange: (text: string) => void; readOnly: boolean; invalid: boolean }) {
  return (
    <div className={`record-editor${invalid ? ' invalid' : ''}${readOnly ? ' read-only' : ''}`} data-testid="record-editor">
      <CodeMirror
        value={value}
        onChange={onChange}
        readOnly={readOnly}
        editable={!readOnly}
        extensions={EXTENSIONS}
        basicSetup={SETUP}
        minHeight="180px"
        maxHeight="420px"
        theme="light"
      />
    </div>
  );
}
