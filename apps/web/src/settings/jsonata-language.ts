// A small CodeMirror mode for JSONata: enough to colour strings, numbers, $variables and $functions,
// keywords, operators, paths and comments. It highlights only; the server's compiler is the judge
// of what is valid, and its errors reach the field through validation.
import { StreamLanguage, type StringStream } from '@codemirror/language';

interface JsonataState {
  /** Inside a block comment that spans lines. */
  inComment: boolean;
}

const KEYWORDS = new Set(['and', 'or', 'in', 'function']);
const ATOMS = new Set(['true', 'false', 'null']);
const OPERATORS = /^(:=|!=|<=|>=|~>|\.\.|\?\?|\?:|[-+*/%&|<>=!?:~^#@])/;

function readString(stream: StringStream, quote: string): void {
  let escaped = false;
  let ch: string | void;
  while ((ch = stream.next()) != null) {
    if (ch === quote && !escaped) return;
    escaped = !escaped && ch === '\\';
  }
}

export const jsonataLanguage = StreamLanguage.define<JsonataState>({
  name: 'jsonata',
  startState: () => ({ inComment: false }),
  token(stream, state) {
    if (state.inComment) {
      if (stream.skipTo('*/')) {
        stream.match('*/');
        state.inComment = false;
      } else stream.skipToEnd();
      return 'comment';
    }
    if (stream.eatSpace()) return null;
    if (stream.match('/*')) {
      state.inComment = true;
      return 'comment';
    }
    const ch = stream.peek();
    if (ch === '"' || ch === "'") {
      stream.next();
      readString(stream, ch);
      return 'string';
    }
    if (ch === '`') {
      // A backtick-quoted field name (`order id`).
      stream.next();
      readString(stream, '`');
      return 'propertyName';
    }
    if (stream.match(/^(\d+(\.\d+)?([eE][+-]?\d+)?)/)) return 'number';
    if (stream.match(/^\$[A-Za-z_$][\w$]*(?=\s*\()/)) return 'variableName.function';
    if (stream.match(/^\$[A-Za-z_$]?[\w$]*/)) return 'variableName.special';
    if (stream.match(/^[A-Za-z_][\w]*/)) {
      const word = stream.current();
      if (KEYWORDS.has(word)) return 'keyword';
      if (ATOMS.has(word)) return 'atom';
      return 'propertyName';
    }
    if (stream.match(OPERATORS)) return 'operator';
    if (stream.match(/^[()[\]{}]/)) return 'bracket';
    if (stream.match(/^[,;.]/)) return 'punctuation';
    stream.next();
    return null;
  },
  languageData: { commentTokens: { block: { open: '/*', close: '*/' } }, closeBrackets: { brackets: ['(', '[', '{', '"', "'", '`'] } },
});
