// The vault in the web app (system admins): secret names, whether set and when; set, replace and
// delete values. Values go to the server and never come back.
export { SecretsPage } from './SecretsPage';
