// Runs: a flow's pull and file runs (history, counts, completeness), start, retry missing, upload.
export { RunsPage } from './RunsPage';
export { UploadFileButton } from './UploadFileButton';
export { uploadSummary } from './run-view';
