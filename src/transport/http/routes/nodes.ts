// /admin/v1 and /console/v1 pairing and nodes: pairing codes and decisions, the node list, invocation, revocation, tasks.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CoreError } from '../../../core/errors.js';
import type { Core } from '../../../core/index.js';
import Type from 'typebox';
import { IdParams, responses } from '../schemas/common.js';
import {
  CreatePairingCodeBody,
  InvokeBody,
  ListNodesQuery,
  ListPairingRequestsQuery,
  NodeListWire,
  nodeToWire,
  PairingCodeWire,
  pairingCodeToWire,
  PairingRequestListWire,
  PairingRequestWire,
  pairingRequestToWire,
  ReasonBody,
  RevokedNodeWire,
  TaskResultWire,
  TaskIdParams,
  taskResultToWire,
  taskToWire,
} from '../schemas/nodes.js';

/** The node services, or `unavailable` (503) when this daemon runs without node RPC. */
function nodeRpc(core: Core): Required<Pick<Core, 'pairing' | 'nodes' | 'devices'>> {
  const { pairing, nodes, devices } = core;
  if (!pairing || !nodes || !devices) throw new CoreError('unavailable', 'node RPC is not enabled on this daemon');
  return { pairing, nodes, devices };
}

const DecidedPairingWire = Type.Object({ request: PairingRequestWire });

/** The pairing and node routes, shared by /admin/v1 and /console/v1 (the credential differs, the rules do not). */
export async function nodeRoutes(parent: FastifyInstance, core: Core): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/pairing/codes', { schema: { body: CreatePairingCodeBody, response: responses(201, PairingCodeWire) }, config: { action: 'devices.write' } }, async (request, reply) => {
    const body = request.body ?? {};
    const code = await nodeRpc(core).pairing.createCode(request.ctx, {
      ...(body.ttl_seconds ? { ttlMs: body.ttl_seconds * 1000 } : {}),
      autoApprove: body.auto_approve === true,
    });
    return reply.code(201).send(pairingCodeToWire(code));
  });

  app.get('/pairing/requests', { schema: { querystring: ListPairingRequestsQuery, response: responses(200, PairingRequestListWire) }, config: { action: 'devices.read' } }, async (request) => {
    const query = request.query;
    const limit = query.limit ?? 100;
    const requests = nodeRpc(core).pairing.list(request.ctx, {
      limit,
      ...(query.state ? { state: query.state } : {}),
      ...(query.after_pairing_id ? { afterPairingId: query.after_pairing_id } : {}),
    });
    const last = requests.at(-1);
    return { requests: requests.map(pairingRequestToWire), next_after_pairing_id: requests.length === limit && last ? last.pairingId : null };
  });

  app.post('/pairing/requests/:id/approve', { schema: { params: IdParams, body: ReasonBody, response: responses(200, DecidedPairingWire) }, config: { action: 'devices.write' } }, async (request) => ({
    request: pairingRequestToWire(await nodeRpc(core).pairing.approve(request.ctx, request.params.id, request.body?.reason)),
  }));

  app.post('/pairing/requests/:id/reject', { schema: { params: IdParams, body: ReasonBody, response: responses(200, DecidedPairingWire) }, config: { action: 'devices.write' } }, async (request) => ({
    request: pairingRequestToWire(await nodeRpc(core).pairing.reject(request.ctx, request.params.id, request.body?.reason)),
  }));

  app.get('/nodes', { schema: { querystring: ListNodesQuery, response: responses(200, NodeListWire) }, config: { action: 'nodes.read' } }, async (request) => {
    const query = request.query;
    const limit = query.limit ?? 100;
    const nodes = nodeRpc(core).nodes.list(request.ctx, {
      limit,
      ...(query.after_device_id ? { afterDeviceId: query.after_device_id } : {}),
      ...(query.include_revoked !== undefined ? { includeRevoked: query.include_revoked } : {}),
    });
    const last = nodes.at(-1);
    return { nodes: nodes.map(nodeToWire), next_after_device_id: nodes.length === limit && last ? last.deviceId : null };
  });

  app.post('/nodes/:id/invoke', { schema: { params: IdParams, body: InvokeBody, response: responses(200, TaskResultWire) }, config: { action: 'nodes.invoke' } }, async (request) => {
    const body = request.body;
    const result = await nodeRpc(core).nodes.invoke(request.ctx, {
      deviceId: request.params.id,
      capability: body.capability,
      input: body.input ?? null,
      ...(body.timeout_ms !== undefined ? { timeoutMs: body.timeout_ms } : {}),
      ...(body.max_output_bytes !== undefined ? { maxOutputBytes: body.max_output_bytes } : {}),
    });
    return taskResultToWire(result);
  });

  app.post('/nodes/:id/revoke', { schema: { params: IdParams, body: ReasonBody, response: responses(200, RevokedNodeWire) }, config: { action: 'devices.write' } }, async (request) => {
    const result = await nodeRpc(core).devices.revoke(request.ctx, request.params.id, request.body?.reason);
    return { device_id: result.deviceId, revoked: result.revoked, closed_connections: result.closedConnections };
  });

  app.get('/nodes/tasks/:task_id', { schema: { params: TaskIdParams }, config: { action: 'nodes.read' } }, async (request) => ({
    task: taskToWire(nodeRpc(core).nodes.getTask(request.ctx, request.params.task_id)),
  }));
}
