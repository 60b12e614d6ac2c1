// What a node can do: echo, system.health, system.identity, process.run and http.fetch (the core's guarded tools, run locally), browser.* when enabled.
import { arch, freemem, hostname, loadavg, platform, totalmem, uptime } from 'node:os';
import { newId } from '../../core/ids.js';
import { createHttpFetchTool } from '../../core/tools/builtin/http-fetch.js';
import { createProcessRunTool } from '../../core/tools/builtin/process-run.js';
import { ToolRegistry } from '../../core/tools/registry.js';
import { createBrowserCapabilityTools } from './browser-capabilities.js';
import type { BrowserCall } from './browser-capability-spec.js';
import type { NodeBrowser } from './node-browser.js';
import type { NodeConfig } from './node-config.js';

export interface CapabilityOutcome {
  success: boolean;
  output: unknown;
  error: string;
}

/** One task's context: its cancel signal, who invoked it (NodeTask.requested_by) and its output budget. */
export interface CapabilityCall extends BrowserCall {
  signal: AbortSignal;
  principal: string;
}

export interface Capabilities {
  /** What RegisterNode advertises. */
  advertised: Array<{ name: string; available: boolean }>;
  run(name: string, input: unknown, call: CapabilityCall): Promise<CapabilityOutcome>;
}

/** `<os>-<arch>` as RegisterNode wants it, e.g. linux-x86_64. */
export function nodePlatform(): string {
  const cpu = arch() === 'x64' ? 'x86_64' : arch() === 'arm64' ? 'aarch64' : arch();
  return `${platform()}-${cpu}`;
}

/**
 * Builds the capability set from the node's config. `process.run` is available only with allowed
 * commands; `http.fetch` keeps the core tool's guard (no private networks unless allowed, vetted
 * addresses, redirect limits). `browser.*` is offered only with a `browser` (node.toml `[browser] enabled`),
 * and is available only when Chromium was found. Inputs of the tools are validated against their schemas
 * first; browser tools run as the invoking principal.
 */
export function createCapabilities(config: NodeConfig, deviceId: string, browser?: NodeBrowser): Capabilities {
  const tools = new ToolRegistry();
  const processTool = createProcessRunTool({ allowedCommands: config.processAllowedCommands, settingName: '[process] allowed_commands in node.toml' });
  const fetchTool = createHttpFetchTool({
    allowPrivateNetworks: config.httpAllowPrivateNetworks,
    allowedHosts: config.httpAllowedHosts,
    maxBytes: config.httpMaxBytes,
    settingNames: { allowedHosts: '[http] allowed_hosts in node.toml', allowPrivateNetworks: '[http] allow_private_networks' },
  });
  tools.register(processTool);
  tools.register(fetchTool);
  // The running calls by the run id their tool context carries, so a browser tool finds its output budget.
  const calls = new Map<string, CapabilityCall>();
  const browserTools = browser ? createBrowserCapabilityTools(browser, (ctx) => calls.get(ctx.runId) as CapabilityCall) : [];
  for (const tool of browserTools) tools.register(tool);
  const viaTool = (toolName: string, asCaller = false) => async (input: unknown, call: CapabilityCall): Promise<CapabilityOutcome> => {
    const issues = tools.validate(toolName, input);
    if (issues.length > 0) return { success: false, output: null, error: `invalid input: ${issues.map((i) => `${i.path || '/'} ${i.message}`).join('; ')}` };
    const tool = tools.get(toolName);
    if (!tool) return { success: false, output: null, error: `${toolName} is not available` };
    const runId = newId();
    calls.set(runId, call);
    try {
      const principal = asCaller ? call.principal : `node:${deviceId}`;
      const outcome = await tool.execute(input as Record<string, unknown>, { runId, sessionId: newId(), owner: { principal, deviceId, channel: null }, signal: call.signal });
      return { success: outcome.success, output: outcome.output ?? null, error: outcome.error ?? '' };
    } finally {
      calls.delete(runId);
    }
  };
  const handlers: Record<string, (input: unknown, call: CapabilityCall) => Promise<CapabilityOutcome>> = {
    echo: async (input) => ({ success: true, output: input, error: '' }),
    'system.health': async () => ({
      success: true,
      output: { status: 'ok', uptime_seconds: Math.round(uptime()), load_average: loadavg(), free_memory_bytes: freemem(), total_memory_bytes: totalmem(), process_rss_bytes: process.memoryUsage().rss },
      error: '',
    }),
    'system.identity': async () => ({
      success: true,
      output: { device_id: deviceId, hostname: hostname(), platform: nodePlatform(), node_version: process.version },
      error: '',
    }),
    'process.run': viaTool(processTool.name),
    'http.fetch': viaTool(fetchTool.name),
    ...Object.fromEntries(browserTools.map((tool) => [tool.name, viaTool(tool.name, true)])),
  };
  const isAvailable = (name: string): boolean => {
    if (name === 'process.run') return config.processAllowedCommands.length > 0;
    if (name.startsWith('browser.')) return browser?.isAvailable === true;
    return true;
  };
  return {
    advertised: Object.keys(handlers).map((name) => ({ name, available: isAvailable(name) })),
    async run(name, input, call) {
      const handler = handlers[name];
      if (!handler) return { success: false, output: null, error: `unknown capability ${name}` };
      try {
        return await handler(input, call);
      } catch (error) {
        return { success: false, output: null, error: `capability ${name} failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
  };
}
