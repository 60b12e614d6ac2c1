// Overview: daemon status, listeners, versions, activity counts, and charts of the daemon's own metrics.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, unwrap } from '../../api/client';
import { LineChart } from '../../components/line-chart';
import { ErrorBox, Loading } from '../../components/states';

export default function OverviewPage() {
  const status = useQuery({ queryKey: ['overview', 'diagnostics'], queryFn: () => unwrap(api.GET('/console/v1/diagnostics')) });
  const history = useQuery({ queryKey: ['overview', 'history'], queryFn: () => unwrap(api.GET('/console/v1/metrics/history')) });
  const nodes = useQuery({ queryKey: ['nodes'], queryFn: () => unwrap(api.GET('/console/v1/nodes', { params: { query: {} } })) });
  if (status.isPending) return <Loading what="the daemon status" />;
  if (status.isError) return <ErrorBox error={status.error} />;
  const info = status.data;
  const samples = history.data?.samples ?? [];
  const perMinute = 60_000 / (history.data?.interval_ms ?? 60_000);
  const online = (nodes.data?.nodes ?? []).filter((node) => node.online && node.revoked_at_unix_ms === null).length;
  return (
    <>
      <h1>Overview</h1>
      <ul className="tiles">
        <li>
          <span className="muted">Active runs</span>
          <Link href="/runs">{info.active_runs}</Link>
        </li>
        <li>
          <span className="muted">Pending approvals</span>
          <Link href="/approvals">{info.pending_approvals}</Link>
        </li>
        <li>
          <span className="muted">Nodes online</span>
          <Link href="/nodes">{nodes.isPending ? '…' : online}</Link>
        </li>
        <li>
          <span className="muted">Journal events</span>
          <Link href="/audit">{info.journal.events}</Link>
        </li>
      </ul>
      <section aria-labelledby="charts-title">
        <h2 id="charts-title">Activity (samples every {Math.round((history.data?.interval_ms ?? 0) / 1000)} s)</h2>
        <ErrorBox error={history.error} />
        <div className="charts">
          <LineChart title="Runs finished" unit="/min" points={samples.map((sample) => ({ atMs: sample.at_unix_ms, value: sample.runs_finished * perMinute }))} />
          <LineChart title="Mean run latency" unit="s" points={samples.map((sample) => ({ atMs: sample.at_unix_ms, value: sample.run_seconds_mean }))} />
          <LineChart title="Denied requests" unit="/min" points={samples.map((sample) => ({ atMs: sample.at_unix_ms, value: sample.denials * perMinute }))} />
        </div>
      </section>
      <section aria-labelledby="daemon-title" className="panel">
        <h2 id="daemon-title">Daemon</h2>
        <dl className="facts">
          <dt>Version</dt>
          <dd>
            {info.service} {info.version} (pid {info.pid})
          </dd>
          <dt>Up for</dt>
          <dd>{Math.floor(info.uptime_seconds / 60)} min</dd>
          <dt>Model</dt>
          <dd>{info.model}</dd>
          {Object.entries(info.listeners).map(([name, address]) => (
            <Listener key={name} name={name} address={address} />
          ))}
          <dt>HTTP</dt>
          <dd>
            {info.http.tls ? 'TLS' : 'cleartext (loopback)'}, {info.open_http_streams} open streams, rate limit {info.http.rate_limit_per_second}/s
          </dd>
          <dt>Signed in as</dt>
          <dd>
            {info.session.principal} <span className="mono small">{info.session.device_id}</span>
          </dd>
        </dl>
      </section>
    </>
  );
}

function Listener({ name, address }: { name: string; address: string | null }) {
  return (
    <>
      <dt>{name} listener</dt>
      <dd className="mono">{address ?? 'off'}</dd>
    </>
  );
}
