// The parts of CodeMirror 6 the SPARQL editor uses, as one global (kgCodeMirror) for
// static/editor.js. The SPARQL mode is @codemirror/legacy-modes' (a stream parser).
export { EditorState } from "@codemirror/state";
export {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  drawSelection,
} from "@codemirror/view";
export {
  StreamLanguage,
  syntaxHighlighting,
  defaultHighlightStyle,
  bracketMatching,
  indentOnInput,
} from "@codemirror/language";
export { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
export {
  autocompletion,
  completionKeymap,
  closeBrackets,
  closeBracketsKeymap,
} from "@codemirror/autocomplete";
export { setDiagnostics, lintGutter } from "@codemirror/lint";
export { sparql } from "@codemirror/legacy-modes/mode/sparql";
