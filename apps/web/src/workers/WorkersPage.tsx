import { Link } from 'react-router';
import type { WorkerProcess } from '@sluice/shared';
import { RelativeTime } from '../flows';
import { useWorkers } from './use-workers';
import './workers.css';

const seconds = (s: number) => (s < 10 ? `${s.toFixed(1)} s` : s < 120 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);

/** `/workers`: every worker process (from its heartbeat) and what it is running now. */
export function WorkersPage() {
  const workers = useWorkers();
  const list = workers.data?.items ?? [];
  const alive = list.filter((w) => w.alive).length;
  return (
    <div className="page workers-page">
      <div className="page-header">
        <h1>Workers</h1>
        {workers.data && (
          <span className="muted">
            {alive} alive · {list.reduce((a, w) => a + w.jobs.length, 0)} jobs running · {workers.data.queuedJobs} waiting
          </span>
        )}
      </div>
      <p className="muted workers-intro">
        Each worker process says it is alive every 5 seconds. One silent for 15 seconds is treated as dead: the others release its jobs,
        which then run again elsewhere.
      </p>
      {workers.isPending ? (
        <p className="empty">
          <span className="spinner" /> Loading workers…
        </p>
      ) : workers.isError ? (
        <div className="error-box" role="alert">
          Could not load the workers: {workers.error.message}
        </div>
      ) : list.length === 0 ? (
        <div className="card workers-empty" data-testid="workers-empty">
          <h2>No worker process</h2>
          <p className="muted">Nothing runs deployed flows until one starts (`npm start -- --role=worker`, or `--role=all`).</p>
        </div>
      ) : (
        list.map((w) => <WorkerCard key={w.id} worker={w} />)
      )}
    </div>
  );
}

function WorkerCard({ worker }: { worker: WorkerProcess }) {
  return (
    <section className="card worker-card" data-testid={`worker-${worker.id}`} aria-label={`Worker ${worker.hostname} pid ${worker.pid}`}>
      <header className="worker-head">
        <span className={`badge ${worker.alive ? 'ok' : 'error'}`}>{worker.alive ? 'alive' : 'silent'}</span>
        <strong>{worker.hostname}</strong>
        <span className="muted">pid {worker.pid}</span>
        <span className="muted">
          started <RelativeTime iso={worker.startedAt} />
        </span>
        <span className={`worker-beat${worker.alive ? '' : ' stale'}`} data-testid="worker-heartbeat">
          heartbeat {seconds(worker.heartbeatAgeSeconds)} ago
        </span>
      </header>
      {worker.jobs.length === 0 ? (
        <p className="muted worker-idle">Idle.</p>
      ) : (
        <table className="table worker-jobs">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Task</th>
              <th scope="col">Flow</th>
              <th scope="col">Attempt</th>
              <th scope="col">Running for</th>
            </tr>
          </thead>
          <tbody>
            {worker.jobs.map((job) => (
              <tr key={job.id}>
                <td className="muted">#{job.id}</td>
                <td>{job.task === 'run_chunk' ? 'Chunk' : job.task === 'send_alert' ? 'Alert notification' : job.task}</td>
                <td>{job.flowId ? <Link to={`/flows/${job.flowId}`}>{job.flowName ?? job.flowId}</Link> : <span className="muted">—</span>}</td>
                <td>{job.attempts}</td>
                <td>{seconds(job.runningSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
