// Server reflection and grpc.health.v1, so stock gRPC tooling (grpcurl, grpc_health_probe) works; their libraries load on the first call.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Server, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { HealthImplementation, ServingStatus } from 'grpc-health-check';
import { packagePath } from '../../infra/package-root.js';
import { lazyService, type LoadedService, type MethodShape } from './lazy-service.js';
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

const HEALTH_METHODS: readonly MethodShape[] = [
  { name: 'Check', path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false },
  { name: 'Watch', path: '/grpc.health.v1.Health/Watch', requestStream: false, responseStream: true },
  { name: 'List', path: '/grpc.health.v1.Health/List', requestStream: false, responseStream: false },
];
const REFLECTION_METHODS: readonly (readonly MethodShape[])[] = ['grpc.reflection.v1', 'grpc.reflection.v1alpha'].map((pkg) => [
  { name: 'ServerReflectionInfo', path: `/${pkg}.ServerReflection/ServerReflectionInfo`, requestStream: true, responseStream: true },
]);

// CommonJS packages required on first use: with @grpc/proto-loader and protobufjs (health parses its
// .proto file as it loads, protobufjs compiles coders from strings) they were the largest part of start.
const requireLibrary = createRequire(import.meta.url);

export interface HealthControl {
  setServing(serving: boolean): void;
}

export interface StandardServices extends HealthControl {
  /** Method paths of the health and reflection services: public, and served by library handlers. */
  paths: ReadonlySet<string>;
}

/** Adds reflection and health to `server`, their requests decoded as ours are. */
export function addStandardServices(server: Server): StandardServices {
  const paths = new Set<string>();
  const add = ({ definition, implementation }: LoadedService) => {
    for (const method of Object.values(definition)) paths.add(method.path);
    server.addService(withRequestDecoding(definition), implementation);
  };
  const reflection = reflectionServices();
  for (const methods of REFLECTION_METHODS) add(lazyService(methods, () => reflection(methods[0]?.path ?? '')));

  let status: ServingStatus = 'SERVING';
  let health: HealthImplementation | undefined;
  add(
    lazyService(HEALTH_METHODS, () => {
      const { HealthImplementation } = requireLibrary('grpc-health-check') as typeof import('grpc-health-check');
      const implementation = new HealthImplementation(Object.fromEntries(['', ...SERVED_SERVICES].map((name) => [name, status])));
      health = implementation;
      return captured((server) => implementation.addToServer(server));
    }),
  );
  return {
    paths,
    setServing(serving) {
      status = serving ? 'SERVING' : 'NOT_SERVING';
      for (const name of ['', ...SERVED_SERVICES]) health?.setStatus(name, status);
    },
  };
}

/**
 * The library's reflection services (v1, v1alpha) keyed by method path, built once on the first call
 * to either: protobufjs parsing our five .proto files into descriptors takes a few hundred ms.
 */
function reflectionServices(): (path: string) => LoadedService {
  let built: Map<string, LoadedService> | undefined;
  return (path) => {
    if (!built) {
      const { loadSync } = requireLibrary('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
      const { ReflectionService } = requireLibrary('@grpc/reflection') as typeof import('@grpc/reflection');
      const root = packagePath('proto');
      const definition = loadSync(PROTO_FILES.map((file) => join(root, file)), { includeDirs: [root], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
      const services = new Map<string, LoadedService>();
      // node.proto also defines NodeService, which is served over QUIC, not here: list only what this port serves.
      new ReflectionService(definition, { services: [...SERVED_SERVICES] }).addToServer({
        addService: (service, implementation) => services.set(Object.values(service)[0]?.path ?? '', { definition: service, implementation }),
      });
      built = services;
    }
    const service = built.get(path);
    if (!service) throw new Error(`no reflection service for ${path}`);
    return service;
  };
}

/** What a library's `addToServer` registers, caught instead of added. */
function captured(addToServer: (server: Pick<Server, 'addService'>) => void): LoadedService {
  let service: LoadedService | undefined;
  addToServer({ addService: (definition: ServiceDefinition, implementation: UntypedServiceImplementation) => (service = { definition, implementation }) });
  if (!service) throw new Error('the library registered no service');
  return service;
}
