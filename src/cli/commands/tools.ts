// `palyra tools`: the tools runs may call on this daemon and whether each runs, asks a person or is refused.
import type { Command } from 'commander';
import { readGlobalOptions } from '../global-options.js';
import { adminClient } from '../http-client.js';
import { createOutput } from '../output.js';

interface ToolBody {
  name: string;
  description: string;
  read_only: boolean;
  decision: 'allow' | 'ask' | 'deny';
  reason: string;
}

// The policy's decision in a person's words; `reason` says which rule decided.
const DECISION_WORDS: Record<ToolBody['decision'], string> = { allow: 'runs', ask: 'asks', deny: 'refused' };

export function registerToolsCommand(program: Command): void {
  program
    .command('tools')
    .action(async (_options: unknown, command: Command) => {
      const global = readGlobalOptions(command);
      const { tools } = await adminClient(global).get<{ tools: ToolBody[] }>('/admin/v1/tools');
      const rows = global.json ? tools : tools.map((tool) => ({ ...tool, decision: DECISION_WORDS[tool.decision] }));
      createOutput({ json: global.json }).table(rows, [{ key: 'name', header: 'TOOL' }, { key: 'decision', header: 'CALLS' }, { key: 'reason', header: 'WHY' }]);
    });
}
