// What a node can do: echo, system.health, system.identity, process.run and http.fetch (the core's guarded tools, run locally).
import { arch, freemem, hostname, loadavg, platform, totalmem, uptime } from 'node:os';
import { newId } from '../../core/ids.js';
import { createHttpFetchTool } from '../../core/tools/builtin/http-fetch.js';
import { createProcessRunTool } from '../../core/tools/builtin/process-run.js';
import { ToolRegistry } from '../../core/tools/registry.js';
import type { NodeConfig } from './node-config.js';

export interface CapabilityOutcome {
  success: boolean;
  output: unknown;
  error: string;
}

export interface Capabilities {
  /** What RegisterNode advertises. */
  advertised: Array<{ name: string; available: boolean }>;
  run(name: string, input: unknown, signal: AbortSignal): Promise<CapabilityOutcome>;
}

/** `<os>-<arch>` as RegisterNode wants it, e.g. linux-x86_64. */
export function nodePlatform(): string {
  const cpu = arch() === 'x64' ? 'x86_64' : arch() === 'arm64' ? 'aarch64' : arch();
  return `${platform()}-${cpu}`;
}

/**
 * Builds the capability set from the node's config. `process.run` is available only with allowed
 * commands; `http.fetch` keeps the core tool's guard (no private networks unless allowed, vetted
 * addresses, redirect limits). Inputs of the two tools are validated against their schemas first.
 */
export function createCapabilities(config: NodeConfig, deviceId: string): Capabilities {
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
  const viaTool = (toolName: string) => async (input: unknown, signal: AbortSignal): Promise<CapabilityOutcome> => {
    const issues = tools.validate(toolName, input);
    if (issues.length > 0) return { success: false, output: null, error: `invalid input: ${issues.map((i) => `${i.path || '/'} ${i.message}`).join('; ')}` };
    const tool = tools.get(toolName);
    if (!tool) return { success: false, output: null, error: `${toolName} is not available` };
    const outcome = await tool.execute(input as Record<string, unknown>, { runId: newId(), sessionId: newId(), owner: { principal: `node:${deviceId}`, deviceId, channel: null }, signal });
    return { success: outcome.success, output: outcome.output ?? null, error: outcome.error ?? '' };
  };
  const handlers: Record<string, (input: unknown, signal: AbortSignal) => Promise<CapabilityOutcome>> = {
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
  };
  return {
    advertised: Object.keys(handlers).map((name) => ({ name, available: name !== 'process.run' || config.processAllowedCommands.length > 0 })),
    async run(name, input, signal) {
      const handler = handlers[name];
      if (!handler) return { success: false, output: null, error: `unknown capability ${name}` };
      try {
        return await handler(input, signal);
      } catch (error) {
        return { success: false, output: null, error: `capability ${name} failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
  };
}
