// Workers: the worker processes, their heartbeats and the jobs they are running.
export { WorkersPage } from './WorkersPage';
