// palyra.echo: returns its text unchanged; the smallest tool, for wiring and approval tests.
import Type, { type Static } from 'typebox';
import type { Tool } from '../tool.js';

const EchoInput = Type.Object(
  { text: Type.String({ maxLength: 65_536, description: 'Text to return unchanged.' }) },
  { additionalProperties: false },
);

/** `palyra.echo` {text} → {text}. Read-only. */
export function createEchoTool(): Tool {
  return {
    name: 'palyra.echo',
    description: 'Returns the given text unchanged.',
    // A plain object type: a TypeBox interface has no index signature to satisfy Record<string, unknown>.
    inputSchema: { ...EchoInput },
    readOnly: true,
    alwaysAsk: false,
    timeoutMs: 1_000,
    async execute(input) {
      const { text } = input as Static<typeof EchoInput>;
      return { success: true, output: { text } };
    },
  };
}
