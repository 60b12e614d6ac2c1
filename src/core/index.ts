// createCore: the one object every transport receives; wires the core's services over their ports.
import { ApprovalService } from './approvals/approvals.js';
import type { ApprovalStore } from './approvals/store.js';
import { Authenticator } from './auth/authenticate.js';
import { Authorizer } from './auth/authorize.js';
import { type CanvasLimits, DEFAULT_CANVAS_LIMITS } from './canvas/canvas-limits.js';
import { type CanvasKeyStore, CanvasTokens, ephemeralCanvasKey } from './canvas/canvas-tokens.js';
import type { CanvasVersion } from './canvas/canvas-version.js';
import { CanvasService, DEFAULT_CANVAS_TOKEN_TTL_MS } from './canvas/canvases.js';
import type { CanvasStore } from './canvas/store.js';
import type { CertificateAuthority } from './devices/certificate-authority.js';
import { type DeviceOptions, DeviceService } from './devices/devices.js';
import { type PairingOptions, PairingService } from './devices/pairing.js';
import type { DeviceStore } from './devices/store.js';
import { type ConsoleSessionPolicy, ConsoleSessionService } from './auth/console-sessions.js';
import type { CredentialStore } from './auth/store.js';
import { TokenService } from './auth/tokens.js';
import { EventBus } from './events/event-bus.js';
import type { ArtifactStore } from './browser/artifact-store.js';
import type { BrowserPort } from './browser/browser-port.js';
import { BrowserSessions } from './browser/browser-sessions.js';
import { AuditLog } from './journal/audit-log.js';
import { Journal } from './journal/journal.js';
import type { JournalStore } from './journal/store.js';
import { Metrics } from './metrics.js';
import { MetricsHistory } from './metrics-history.js';
import type { ModelProvider } from './models/model-provider.js';
import { type NodeServiceOptions, NodeService } from './nodes/nodes.js';
import type { NodeTaskStore } from './nodes/store.js';
import { DEFAULT_RUN_LIMITS, type RunLimits } from './runs/run-limits.js';
import { RunService } from './runs/runs.js';
import type { RunStore } from './runs/store.js';
import { recordRunMetrics } from './run-metrics.js';
import { RunTape } from './runs/tape.js';
import { SessionService } from './sessions/sessions.js';
import type { SessionStore } from './sessions/store.js';
import { createBrowserTools } from './tools/builtin/browser-tools.js';
import { createCanvasTools } from './tools/builtin/canvas.js';
import { createNodeInvokeTool } from './tools/builtin/node-invoke.js';
import { ToolCatalog } from './tools/catalog.js';
import { ToolPolicy, type ToolPolicyConfig } from './tools/policy.js';
import { ToolRegistry } from './tools/registry.js';
import type { Tool } from './tools/tool.js';

export interface CoreDeps {
  stores: { journal: JournalStore; sessions: SessionStore; runs: RunStore; approvals: ApprovalStore; credentials: CredentialStore; canvases: CanvasStore };
  model: ModelProvider;
  tools: Tool[];
  toolPolicy?: ToolPolicyConfig;
  limits?: Partial<RunLimits>;
  approvalTimeoutMs?: number;
  journalMaxPayloadBytes?: number;
  adminToken: string;
  consoleSessions?: ConsoleSessionPolicy;
  /** Canvas limits and the token key; without `keys`, tokens are signed with a key that dies with the process. */
  canvas?: { keys?: CanvasKeyStore; limits?: Partial<CanvasLimits>; tokenTtlMs?: number };
  /** Devices, pairing and the node task queue; the daemon always passes it, some tests leave it out. */
  nodeRpc?: NodeRpcDeps;
  /** The browser service and where its artifacts go; `palyra.browser.*` tools exist while it is enabled. */
  browser?: { port: BrowserPort; artifacts: ArtifactStore };
  now?: () => number;
}

export interface NodeRpcDeps {
  ca: CertificateAuthority;
  stores: { devices: DeviceStore; tasks: NodeTaskStore };
  pairing: PairingOptions;
  devices?: DeviceOptions;
  tasks?: NodeServiceOptions;
}

export interface Core {
  auth: Authenticator;
  authorizer: Authorizer;
  tokens: TokenService;
  consoleSessions: ConsoleSessionService;
  /** The journal itself: the daemon's own writes and offline-style checks. */
  journal: Journal;
  /** The journal as callers use it, authorized and bound to their identity. */
  audit: AuditLog;
  bus: EventBus;
  sessions: SessionService;
  approvals: ApprovalService;
  runs: RunService;
  canvases: CanvasService;
  tools: ToolRegistry;
  /** The registered tools with the policy's decision for each, for callers. */
  toolCatalog: ToolCatalog;
  metrics: Metrics;
  /** Recent samples of `metrics` (runs, durations, denials) for charts. */
  metricsHistory: MetricsHistory;
  /** Paired devices: certificate authentication, renewal, registration, presence, revocation. Absent without `nodeRpc`. */
  devices?: DeviceService;
  /** Pairing codes and requests. Absent without `nodeRpc`. */
  pairing?: PairingService;
  /** Capability invocation and the node task queue. Absent without `nodeRpc`. */
  nodes?: NodeService;
  /** Browser sessions, their action logs and artifacts. Absent without `browser`. */
  browser?: BrowserSessions;
  /** Marks what a crashed predecessor left unfinished (runs, approvals); call before serving. */
  recover(): Promise<{ runs: number; approvals: number; nodeTasks: number }>;
  /** Stops accepting runs and ends the live ones. */
  shutdown(): Promise<void>;
}

export function createCore(deps: CoreDeps): Core {
  const now = deps.now ?? Date.now;
  const limits: RunLimits = { ...DEFAULT_RUN_LIMITS, ...deps.limits };
  const journal = new Journal(deps.stores.journal, { now, ...(deps.journalMaxPayloadBytes ? { maxPayloadBytes: deps.journalMaxPayloadBytes } : {}) });
  const authorizer = new Authorizer();
  // Gauges read the services lazily, so they may be created before the services exist.
  const gauges = { activeRuns: () => runs.activeCount, pendingApprovals: () => approvals.pendingCount };
  const metrics = new Metrics(gauges);
  const metricsHistory = new MetricsHistory(metrics, gauges);
  const tokens = new TokenService(deps.stores.credentials, authorizer, journal, now);
  const auth = new Authenticator(deps.adminToken, tokens);
  const consoleSessions = new ConsoleSessionService(deps.stores.credentials, journal, deps.consoleSessions, now);
  authorizer.onDenied(() => metrics.denials.inc({ code: 'permission_denied' }));
  auth.onFailure(() => metrics.denials.inc({ code: 'unauthenticated' }));
  authorizer.onDenied((ctx, action, reason) => {
    void journal
      .append({ kind: 'auth.denied', actor: 'system', principal: ctx.principal, deviceId: ctx.deviceId, channel: ctx.channel, payload: { action, reason, request_id: ctx.requestId } })
      .catch(() => undefined);
  });
  journal.onAppended(recordRunMetrics(metrics));
  metricsHistory.start();
  const bus = new EventBus();
  const tools = new ToolRegistry();
  for (const tool of deps.tools) tools.register(tool);
  const policy = new ToolPolicy(tools, deps.toolPolicy);
  const sessions = new SessionService(deps.stores.sessions, authorizer, journal, now);
  const approvals = new ApprovalService(deps.stores.approvals, authorizer, journal, deps.approvalTimeoutMs ?? 60_000, now);
  sessions.onForget((sessionId) => approvals.cache.forgetSession(sessionId));
  const tape = new RunTape(deps.stores.runs, bus, now);
  const runs = new RunService({
    store: deps.stores.runs,
    tape,
    sessions,
    approvals,
    authorizer,
    journal,
    model: deps.model,
    registry: tools,
    policy,
    limits,
    now,
  });
  const canvases = new CanvasService({
    store: deps.stores.canvases,
    sessions,
    runs,
    authorizer,
    journal,
    bus: new EventBus<CanvasVersion>(),
    tokens: new CanvasTokens(deps.canvas?.keys ?? ephemeralCanvasKey(), now),
    limits: { ...DEFAULT_CANVAS_LIMITS, ...deps.canvas?.limits },
    tokenTtlMs: deps.canvas?.tokenTtlMs ?? DEFAULT_CANVAS_TOKEN_TTL_MS,
    now,
  });
  for (const tool of createCanvasTools(canvases)) tools.register(tool);
  const nodeRpc = deps.nodeRpc ? createNodeRpc(deps.nodeRpc, authorizer, journal, now) : undefined;
  if (nodeRpc) {
    tools.register(createNodeInvokeTool(nodeRpc.nodes));
    metrics.observeNodes(() => nodeRpc.devices.connectedCount);
  }
  const browser = deps.browser ? new BrowserSessions(deps.browser.port, deps.browser.artifacts, authorizer, now) : undefined;
  // A disabled service still reports why through `browser.status()`; only its tools are left out.
  if (browser?.status().enabled) {
    for (const tool of createBrowserTools(browser)) tools.register(tool);
    metrics.observeBrowser(() => browser.status());
  }
  return {
    auth,
    authorizer,
    tokens,
    consoleSessions,
    journal,
    audit: new AuditLog(journal, authorizer),
    bus,
    sessions,
    approvals,
    runs,
    canvases,
    tools,
    toolCatalog: new ToolCatalog(tools, policy, authorizer),
    metrics,
    metricsHistory,
    ...nodeRpc,
    ...(browser ? { browser } : {}),
    async recover() {
      const approvalCount = approvals.resolveOrphans('daemon_restarted');
      const runCount = await runs.recover();
      const tasks = await nodeRpc?.nodes.recover();
      return { runs: runCount, approvals: approvalCount, nodeTasks: tasks ? tasks.requeued + tasks.timedOut : 0 };
    },
    async shutdown() {
      metricsHistory.stop();
      await runs.shutdown();
      nodeRpc?.nodes.shutdown();
    },
  };
}

function createNodeRpc(deps: NodeRpcDeps, authorizer: Authorizer, journal: Journal, now: () => number) {
  const devices = new DeviceService(deps.stores.devices, deps.ca, authorizer, journal, deps.devices ?? {}, now);
  const pairing = new PairingService(deps.stores.devices, deps.ca, devices, authorizer, journal, deps.pairing, now);
  const nodes = new NodeService(deps.stores.tasks, devices, authorizer, journal, deps.tasks ?? {}, now);
  return { devices, pairing, nodes };
}

export { CoreError, type ErrorCode, ERROR_CODES } from './errors.js';
export type { CallContext } from './context.js';
export type { RunEvent } from './events/run-event.js';
export type { RunHandle } from './runs/active-run.js';
export type { RunRecord } from './runs/store.js';
