// The flow editor: canvas, palette, node settings, validation, dry run, deploy and live numbers.
export { FlowEditorPage } from './FlowEditorPage';
