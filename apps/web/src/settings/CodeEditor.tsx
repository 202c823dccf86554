import { memo, useMemo } from 'react';
import CodeMirror, { EditorView, type Extension } from '@uiw/react-codemirror';
import { json } from '@codemirror/lang-json';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { jsonataLanguage } from './jsonata-language';

export type CodeLanguage = 'json' | 'jsonata';

export interface CodeEditorProps {
  /** The id of the editable area, so a `<label htmlFor>` elsewhere can focus it. */
  id: string;
  value: string;
  onChange(value: string): void;
  language: CodeLanguage;
  /** Id of the visible label (the editable area is a contenteditable, which `htmlFor` cannot name). */
  labelledBy?: string;
  describedBy?: string;
  invalid?: boolean;
  placeholder?: string;
  readOnly?: boolean;
  /** Default 2.2em for JSONata (one line to start with), 96px for JSON. */
  minHeight?: string;
  /** Default 320px; taller content scrolls. */
  maxHeight?: string;
  testId?: string;
}

// One palette for both languages, matching the app's colours rather than CodeMirror's defaults.
const highlight = syntaxHighlighting(
  HighlightStyle.define([
    { tag: tags.keyword, color: '#7c3aed' },
    { tag: [tags.atom, tags.bool, tags.null], color: '#c2410c' },
    { tag: tags.number, color: '#0f766e' },
    { tag: tags.string, color: '#b45309' },
    { tag: [tags.special(tags.variableName), tags.function(tags.variableName)], color: '#2563eb', fontWeight: '500' },
    { tag: tags.propertyName, color: '#1d2430' },
    { tag: tags.comment, color: '#6b7280', fontStyle: 'italic' },
    { tag: tags.operator, color: '#be185d' },
    { tag: [tags.bracket, tags.punctuation], color: '#5f6b7a' },
    { tag: tags.invalid, color: '#b91c1c' },
  ]),
);

const theme = EditorView.theme({
  '&': { fontSize: '12.5px', border: '1px solid var(--border)', borderRadius: '6px', background: '#fff' },
  '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '1px' },
  '.cm-content': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', padding: '5px 0' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', lineHeight: '1.5' },
  '.cm-gutters': { background: '#fafbfc', borderRight: '1px solid var(--border)', color: '#9aa4b2' },
  '.cm-activeLine, .cm-activeLineGutter': { background: 'transparent' },
});

const languages: Record<CodeLanguage, Extension> = { json: json(), jsonata: jsonataLanguage };

/**
 * A CodeMirror editor for JSONata and JSON fields. Tab moves focus on (it does not indent), so the
 * form stays keyboard-navigable; the editable area carries the label and description ids.
 */
export const CodeEditor = memo(function CodeEditor(props: CodeEditorProps) {
  const { id, labelledBy, describedBy, invalid, testId, language } = props;
  const extensions = useMemo(
    () => [
      languages[language],
      highlight,
      theme,
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({
        id,
        ...(labelledBy ? { 'aria-labelledby': labelledBy } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        ...(invalid ? { 'aria-invalid': 'true' } : {}),
        ...(testId ? { 'data-testid': testId } : {}),
        'aria-multiline': 'true',
        role: 'textbox',
      }),
    ],
    [language, id, labelledBy, describedBy, invalid, testId],
  );
  return (
    <CodeMirror
      className={`code-editor${invalid ? ' invalid' : ''}`}
      value={props.value}
      onChange={props.onChange}
      extensions={extensions}
      placeholder={props.placeholder}
      readOnly={props.readOnly}
      editable={!props.readOnly}
      indentWithTab={false}
      minHeight={props.minHeight ?? (language === 'jsonata' ? '2.2em' : '96px')}
      maxHeight={props.maxHeight ?? '320px'}
      basicSetup={{
        lineNumbers: language === 'json',
        foldGutter: language === 'json',
        highlightActiveLine: false,
        highlightActiveLineGutter: false,
        autocompletion: false,
        searchKeymap: false,
        syntaxHighlighting: false,
      }}
    />
  );
});
