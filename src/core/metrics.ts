// Metrics: the one Prometheus registry every transport and service records into.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type Transport = 'http' | 'grpc' | 'quic';

/** Shared instruments; `/metrics` renders `registry`. Label values are bounded (route patterns, codes). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'palyra_requests_total',
    help: 'Requests handled, by transport, route or method, and result code',
    labelNames: ['transport', 'route', 'code'] as const,
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: 'palyra_request_duration_seconds',
    help: 'Time to handle a request (until the response or the end of a stream)',
    labelNames: ['transport', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly openStreams = new Gauge({
    name: 'palyra_open_streams',
    help: 'Streams currently open (gRPC RunStream/WatchRun, SSE, NDJSON)',
    labelNames: ['transport', 'kind'] as const,
    registers: [this.registry],
  });
  readonly denials = new Counter({
    name: 'palyra_auth_denials_total',
    help: 'Refused requests: unauthenticated (no or bad credential) or permission_denied',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly runsFinished = new Counter({
    name: 'palyra_runs_finished_total',
    help: 'Runs that ended, by final state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly runSeconds = new Histogram({
    name: 'palyra_run_duration_seconds',
    help: 'Time from a run being accepted to its end',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  // Label children by transport, route and code: resolving labels hashes them on every call otherwise.
  private readonly requestChildren = new Map<string, { count: { inc(): void }; seconds: { observe(value: number): void } }>();

  constructor(gauges: { activeRuns: () => number; pendingApprovals: () => number }) {
    new Gauge({ name: 'palyra_active_runs', help: 'Runs accepted or in progress', registers: [this.registry], collect() { this.set(gauges.activeRuns()); } });
    new Gauge({ name: 'palyra_pending_approvals', help: 'Approvals waiting for a decision', registers: [this.registry], collect() { this.set(gauges.pendingApprovals()); } });
    // Memory, read at each scrape under the names prom-client's default metrics use. Not those defaults
    // themselves: their event-loop monitor wakes the process every 10 ms, a cost at rest.
    new Gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes', registers: [this.registry], collect() { this.set(process.memoryUsage.rss()); } });
    new Gauge({ name: 'nodejs_heap_size_used_bytes', help: 'JavaScript heap in use, in bytes', registers: [this.registry], collect() { this.set(process.memoryUsage().heapUsed); } });
    new Gauge({ name: 'nodejs_external_memory_bytes', help: 'Memory of C++ objects bound to JavaScript objects (buffers, native libraries), in bytes', registers: [this.registry], collect() { this.set(process.memoryUsage().external); } });
  }

  /** Exports how many paired devices have a node connection open (`palyra_nodes_connected`), read at each scrape. */
  observeNodes(connected: () => number): void {
    new Gauge({ name: 'palyra_nodes_connected', help: 'Paired devices with at least one open node connection (QUIC or TLS)', registers: [this.registry], collect() { this.set(connected()); } });
  }

  /** Exports the browser service's state (`palyra_browser_service_up`) and restart count, read at each scrape. */
  observeBrowser(status: () => { state: string; restarts: number; enabled: boolean }): void {
    new Gauge({ name: 'palyra_browser_service_up', help: 'Whether the browser service answers (1), or is enabled but starting, restarting or down (0)', registers: [this.registry], collect() { const current = status(); this.set(current.state === 'up' ? 1 : 0); } });
    new Gauge({ name: 'palyra_browser_service_restarts', help: 'Times the embedded palyra-browserd was restarted after it died', registers: [this.registry], collect() { this.set(status().restarts); } });
  }

  /** Counts one finished request and observes its duration. */
  recordRequest(transport: Transport, route: string, code: string, seconds: number): void {
    const key = `${transport} ${route} ${code}`;
    let child = this.requestChildren.get(key);
    if (!child) {
      child = { count: this.requests.labels(transport, route, code), seconds: this.requestSeconds.labels(transport, route) };
      this.requestChildren.set(key, child);
    }
    child.count.inc();
    child.seconds.observe(seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
