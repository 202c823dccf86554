// Signing in and out, and who the signed-in user is (with their permissions).
export { SignInPage } from './SignInPage';
export { can, useSession, useSignOut } from './use-session';
