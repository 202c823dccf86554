// Identity in the web app: the signed-in user's API tokens (create, show once, revoke) and, for
// admins, the users (add, change role, disable, reset password).
export { TokensPage } from './TokensPage';
export { UsersPage } from './UsersPage';
// Shared with the other admin pages (secrets).
export { NoAccess } from './NoAccess';
export { LoadingRows } from './LoadingRows';
export { PlusIcon } from './icons';
