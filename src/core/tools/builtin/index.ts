// The built-in tools, created from the operator's configuration.
import type { Tool } from '../tool.js';
import { createEchoTool } from './echo.js';
import { createHttpFetchTool, type HttpFetchConfig } from './http-fetch.js';
import { createProcessRunTool, type ProcessRunConfig } from './process-run.js';
import { createSleepTool } from './sleep.js';

export interface BuiltinToolsConfig {
  httpFetch: HttpFetchConfig;
  process: ProcessRunConfig;
}

/** `palyra.echo`, `palyra.sleep`, `palyra.http.fetch` and `palyra.process.run`, in that order. */
export function createBuiltinTools(config: BuiltinToolsConfig): Tool[] {
  return [createEchoTool(), createSleepTool(), createHttpFetchTool(config.httpFetch), createProcessRunTool(config.process)];
}
