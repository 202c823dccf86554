// Alerts: the app-wide banner for firing alerts, and the alerts page (current alerts with
// acknowledge and silence, and the history of state changes).
export { AlertsBanner } from './AlertsBanner';
export { AlertsPage } from './AlertsPage';
