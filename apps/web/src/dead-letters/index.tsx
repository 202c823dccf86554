// Dead letters: the table (per flow or across flows), the record editor, retry and discard.
export { DeadLettersPage } from './DeadLettersPage';
