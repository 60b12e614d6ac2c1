// palyra.node.invoke: runs a capability on a paired node; every call is approved per device and capability.
import Type, { type Static } from 'typebox';
import { createContext, SYSTEM_DEVICE_ID } from '../../context.js';
import { CAPABILITY_NAME } from '../../devices/capabilities.js';
import { isCoreError } from '../../errors.js';
import { MAX_OUTPUT_BYTES, type NodeService } from '../../nodes/nodes.js';
import type { Tool } from '../tool.js';

const NodeInvokeInput = Type.Object(
  {
    device_id: Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$', description: 'The node (device id, a ULID).' }),
    capability: Type.String({ pattern: CAPABILITY_NAME.source, description: 'A capability the node advertises, e.g. "echo" or "system.health".' }),
    input: Type.Optional(Type.Unknown({ description: 'JSON input for the capability.' })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1_000, maximum: 120_000, description: 'How long to wait for the result (default 30000).' })),
    max_output_bytes: Type.Optional(Type.Integer({ minimum: 1_024, maximum: MAX_OUTPUT_BYTES, description: 'The largest output accepted, as JSON (default 65536); e.g. room for a browser.screenshot.' })),
  },
  { additionalProperties: false },
);

type NodeInvokeArgs = Static<typeof NodeInvokeInput>;

/** The approval subject of a node capability call: `node:<device_id>:<capability>`. */
export function nodeCapabilitySubject(deviceId: string, capability: string): string {
  return `node:${deviceId}:${capability}`;
}

/**
 * `palyra.node.invoke` {device_id, capability, input?, timeout_ms?} → {task_id, output}. Not read-only,
 * so the policy asks; the approval subject is the device and capability, so "allow for this session"
 * covers only that capability on that node. Runs as the run owner with the `nodes:write` scope the
 * approval grants.
 */
export function createNodeInvokeTool(nodes: Pick<NodeService, 'invoke'>): Tool {
  return {
    name: 'palyra.node.invoke',
    description: 'Runs a capability on a paired remote node and returns its output.',
    inputSchema: { ...NodeInvokeInput },
    readOnly: false,
    alwaysAsk: false,
    // Above the longest task timeout, so the task's own deadline decides.
    timeoutMs: 125_000,
    approvalSubject(input) {
      const args = input as NodeInvokeArgs;
      return { type: 'node_capability', id: nodeCapabilitySubject(args.device_id, args.capability) };
    },
    async execute(input, toolCtx) {
      const args = input as NodeInvokeArgs;
      const ctx = createContext({ principal: toolCtx.owner.principal, deviceId: SYSTEM_DEVICE_ID, scopes: ['nodes:write'], credential: 'internal', signal: toolCtx.signal });
      let taskId = '';
      try {
        const result = await nodes.invoke(ctx, {
          deviceId: args.device_id,
          capability: args.capability,
          input: args.input ?? null,
          ...(args.timeout_ms ? { timeoutMs: args.timeout_ms } : {}),
          ...(args.max_output_bytes ? { maxOutputBytes: args.max_output_bytes } : {}),
          runId: toolCtx.runId,
          sessionId: toolCtx.sessionId,
          onQueued: (id) => {
            taskId = id;
          },
        });
        return { success: result.success, output: { task_id: result.taskId, output: result.output }, ...(result.error ? { error: result.error } : {}) };
      } catch (error) {
        if (!isCoreError(error) || error.code === 'internal') throw error;
        return { success: false, output: taskId ? { task_id: taskId } : null, error: `${error.code}: ${error.message}` };
      }
    },
  };
}
