// palyra.node.v1.NodeAdminService: pairing codes and decisions, the node list, task invocation and device revocation.
import { CoreError } from '../../../core/errors.js';
import type { Core } from '../../../core/index.js';
import type { NodeAdminServiceServer } from '../../../gen/palyra/node/v1/node.js';
import { checkVersion, PROTOCOL_MAJOR, requiredId, toCanonicalId } from '../convert/ids.js';
import { nextCursor, nodeToProto, pageLimit, pairingRequestToProto, pairingStateFromProto, taskResultToProto } from '../convert/nodes.js';
import { type HandlerDeps, unary } from '../handler.js';

const v = PROTOCOL_MAJOR;

/** The node services, or `unavailable` when this daemon runs without node RPC. */
function nodeRpc(core: Core): Required<Pick<Core, 'pairing' | 'nodes' | 'devices'>> {
  const { pairing, nodes, devices } = core;
  if (!pairing || !nodes || !devices) throw new CoreError('unavailable', 'node RPC is not enabled on this daemon');
  return { pairing, nodes, devices };
}

export function nodeAdminService(deps: HandlerDeps): NodeAdminServiceServer {
  const { core } = deps;
  const route = (method: string) => `NodeAdminService/${method}`;
  return {
    createPairingCode: unary(deps, route('CreatePairingCode'), async (request, ctx) => {
      checkVersion(request.v);
      const code = await nodeRpc(core).pairing.createCode(ctx, { ttlMs: request.ttlMs, autoApprove: request.autoApprove });
      return { v, code: code.joinString, codeId: code.codeId, expiresAtUnixMs: code.expiresAtMs, caFingerprintSha256: code.caFingerprint };
    }),

    listPairingRequests: unary(deps, route('ListPairingRequests'), (request, ctx) => {
      checkVersion(request.v);
      const limit = pageLimit(request.limit);
      const state = pairingStateFromProto(request.status);
      const requests = nodeRpc(core).pairing.list(ctx, {
        limit,
        ...(state ? { state } : {}),
        ...(request.afterPairingId ? { afterPairingId: request.afterPairingId } : {}),
      });
      return { v, requests: requests.map(pairingRequestToProto), nextAfterPairingId: nextCursor(requests, limit, (item) => item.pairingId) };
    }),

    decidePairing: unary(deps, route('DecidePairing'), async (request, ctx) => {
      checkVersion(request.v);
      const pairingId = requiredId(request.pairingId, 'pairing_id');
      const { pairing } = nodeRpc(core);
      const reason = request.reason || undefined;
      const view = request.approve ? await pairing.approve(ctx, pairingId, reason) : await pairing.reject(ctx, pairingId, reason);
      return { v, request: pairingRequestToProto(view) };
    }),

    listNodes: unary(deps, route('ListNodes'), (request, ctx) => {
      checkVersion(request.v);
      const limit = pageLimit(request.limit);
      const nodes = nodeRpc(core).nodes.list(ctx, { limit, ...(request.afterDeviceId ? { afterDeviceId: request.afterDeviceId } : {}) });
      return { v, nodes: nodes.map(nodeToProto), nextAfterDeviceId: nextCursor(nodes, limit, (node) => node.deviceId) };
    }),

    invokeNode: unary(deps, route('InvokeNode'), async (request, ctx) => {
      checkVersion(request.v);
      const deviceId = requiredId(request.deviceId, 'device_id');
      const inputJson = Buffer.from(request.inputJson).toString('utf8');
      const result = await nodeRpc(core).nodes.invoke(ctx, {
        deviceId,
        capability: request.capability,
        ...(inputJson.trim() ? { inputJson } : {}),
        timeoutMs: request.timeoutMs,
        maxOutputBytes: request.maxOutputBytes,
      });
      return taskResultToProto(result);
    }),

    revokeDevice: unary(deps, route('RevokeDevice'), async (request, ctx) => {
      checkVersion(request.v);
      const deviceId = requiredId(request.deviceId, 'device_id');
      const result = await nodeRpc(core).devices.revoke(ctx, deviceId, request.reason || undefined);
      return { v, deviceId: toCanonicalId(result.deviceId), revoked: result.revoked, closedConnections: result.closedConnections };
    }),
  };
}
