// A gRPC service registered at start from its method shapes alone; the library behind it (and its .proto parsing) loads on its first call.
import type { MethodDefinition, ServiceDefinition, UntypedHandleCall, UntypedServiceImplementation } from '@grpc/grpc-js';

export interface MethodShape {
  /** The key of the method in the library's service definition (`Check`, `ServerReflectionInfo`). */
  name: string;
  path: string;
  requestStream: boolean;
  responseStream: boolean;
}

export interface LoadedService {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

/**
 * A definition and implementation to hand to `server.addService` now, whose serializers and handlers
 * call `load()`'s on first use. grpc-js decodes a request before it calls the handler, so the first
 * request's decoding is what loads. `load()` must serve exactly `methods` (checked when it runs: a
 * library update that changes them fails its first call, and the standard-services test, loudly).
 */
export function lazyService(methods: readonly MethodShape[], load: () => LoadedService): LoadedService {
  let loaded: LoadedService | undefined;
  const real = (): LoadedService => (loaded ??= checked(methods, load()));
  const method = (name: string) => real().definition[name] as MethodDefinition<unknown, unknown>;
  const definition: ServiceDefinition = Object.fromEntries(
    methods.map(({ name, path, requestStream, responseStream }) => [
      name,
      {
        path,
        requestStream,
        responseStream,
        requestSerialize: (value: unknown) => method(name).requestSerialize(value),
        requestDeserialize: (bytes: Buffer) => method(name).requestDeserialize(bytes),
        responseSerialize: (value: unknown) => method(name).responseSerialize(value),
        responseDeserialize: (bytes: Buffer) => method(name).responseDeserialize(bytes),
      },
    ]),
  );
  const implementation: UntypedServiceImplementation = Object.fromEntries(
    methods.map(({ name }) => [name, ((call: unknown, callback: unknown) => (handlerOf(real(), name) as (call: unknown, callback: unknown) => void)(call, callback)) as UntypedHandleCall]),
  );
  return { definition, implementation };
}

/** grpc-js finds a handler under the method's key or, failing that, its camelCase `originalName`. */
function handlerOf({ definition, implementation }: LoadedService, name: string): UntypedHandleCall {
  const handler = implementation[name] ?? implementation[definition[name]?.originalName ?? ''];
  if (!handler) throw new Error(`no handler for ${name}`);
  return handler;
}

function checked(methods: readonly MethodShape[], service: LoadedService): LoadedService {
  const shape = (entries: readonly MethodShape[]) => entries.map((m) => `${m.name} ${m.path} ${m.requestStream} ${m.responseStream}`).sort().join('\n');
  const actual = Object.entries(service.definition).map(([name, m]) => ({ name, path: m.path, requestStream: m.requestStream, responseStream: m.responseStream }));
  if (shape(actual) !== shape(methods)) throw new Error(`the library serves other methods than declared:\n${shape(actual)}\ninstead of\n${shape(methods)}`);
  return service;
}
