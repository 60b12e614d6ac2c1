// Server reflection and grpc.health.v1, so stock gRPC tooling (grpcurl, grpc_health_probe) works.
import { join } from 'node:path';
import type { Server, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { packagePath } from '../../infra/package-root.js';
import { withRequestDecoding } from './limits.js';

/** Services listed by reflection and health. */
export const SERVED_SERVICES = [
  'palyra.gateway.v1.GatewayService',
  'palyra.gateway.v1.ApprovalsService',
  'palyra.auth.v1.AuthService',
  'palyra.node.v1.NodeAdminService',
  'palyra.canvas.v1.CanvasService',
] as const;

const PROTO_FILES = ['palyra/common/v1/common.proto', 'palyra/gateway/v1/gateway.proto', 'palyra/auth/v1/auth.proto', 'palyra/node/v1/node.proto', 'palyra/canvas/v1/canvas.proto'];

/** The path of a service's (reflection's only) method, naming the service and its version. */
const methodPath = (service: ServiceDefinition): string => Object.values(service)[0]?.path ?? '';

export interface HealthControl {
  setServing(serving: boolean): void;
}

export interface StandardServices extends HealthControl {
  /** Method paths of the health and reflection services: public, and served by library handlers. */
  paths: ReadonlySet<string>;
}

/**
 * Adds reflection and health to `server`, their requests decoded as ours are. Reflection's descriptors
 * (protobufjs parsing the five .proto files, a few hundred ms) are built on its first call, not at start:
 * at start only its two service definitions are registered, with handlers that build the real ones then.
 */
export function addStandardServices(server: Server): StandardServices {
  const paths = new Set<string>();
  const decoding = {
    addService(service: ServiceDefinition, implementation: UntypedServiceImplementation) {
      for (const method of Object.values(service)) paths.add(method.path);
      server.addService(withRequestDecoding(service), implementation);
    },
  };
  const root = packagePath('proto');
  let built: Map<string, UntypedServiceImplementation> | undefined;
  /** The library's handlers for each reflection service (v1, v1alpha), keyed by its method path. */
  const reflection = (path: string): UntypedServiceImplementation => {
    if (!built) {
      const implementations = new Map<string, UntypedServiceImplementation>();
      const definition = loadSync(PROTO_FILES.map((file) => join(root, file)), { includeDirs: [root], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
      // node.proto also defines NodeService, which is served over QUIC, not here: list only what this port serves.
      new ReflectionService(definition, { services: [...SERVED_SERVICES] }).addToServer({
        addService: (service, implementation) => implementations.set(methodPath(service), implementation),
      });
      built = implementations;
    }
    const implementation = built.get(path);
    if (!implementation) throw new Error(`no reflection handler for ${path}`);
    return implementation;
  };
  // An empty package gives the service definitions without reading our .proto files.
  new ReflectionService({}, { services: [] }).addToServer({
    addService(service, implementation) {
      const path = methodPath(service);
      const lazy = Object.fromEntries(Object.keys(implementation).map((name) => [name, (call: unknown) => (reflection(path)[name] as (call: unknown) => void)(call)]));
      decoding.addService(service, lazy);
    },
  });
  const health = new HealthImplementation({ '': 'SERVING', ...Object.fromEntries(SERVED_SERVICES.map((name) => [name, 'SERVING'])) });
  health.addToServer(decoding);
  return {
    paths,
    setServing(serving) {
      const status = serving ? 'SERVING' : 'NOT_SERVING';
      health.setStatus('', status);
      for (const name of SERVED_SERVICES) health.setStatus(name, status);
    },
  };
}
