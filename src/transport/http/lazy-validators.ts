// Fastify's own Ajv validators, each compiled on its route's first request instead of all at start (Ajv compiling every route schema was ~100 ms of palyrad's start).
import { createRequire } from 'node:module';
import type { BuildCompilerFromPool } from '@fastify/ajv-compiler';

// Required on the first compile, not imported: left out of the bundle (scripts/bundle.ts), Ajv is not even
// evaluated at start (~1.5 MiB of heap).
const requireAjvCompiler = createRequire(import.meta.url);

type Compile = ReturnType<BuildCompilerFromPool>;
type Validate = ReturnType<Compile>;

/**
 * Fastify's default validator factory (the same Ajv options, formats and shared schemas), deferred twice:
 * the Ajv instance is made on the first compile, and each route's schema is compiled on its first call.
 * Validation results and error objects are Ajv's own, so 400s read as before. One difference from the
 * default: Fastify lowercases a `headers` schema's property names only for its own factory, so a route
 * that declares one must name the headers in lowercase (none does).
 */
export function lazyValidatorFactory(): BuildCompilerFromPool {
  let build: BuildCompilerFromPool | undefined;
  return (externalSchemas, options) => {
    let compile: Compile | undefined;
    const compiler = (): Compile => {
      build ??= (requireAjvCompiler('@fastify/ajv-compiler') as typeof import('@fastify/ajv-compiler')).default();
      return (compile ??= build(externalSchemas, options));
    };
    return (route) => lazyValidator(() => compiler()(route));
  };
}

/**
 * A validate function that compiles on its first use. Fastify reads `schemaEnv` (to let Ajv coerce and
 * default the request part in place) and `errors` (after a failed call) from the function it was given,
 * so both, and the rest of Ajv's properties, are forwarded to the compiled one.
 */
function lazyValidator(compile: () => Validate): Validate {
  let compiled: Validate | undefined;
  const get = () => (compiled ??= compile());
  const validate = ((...args: Parameters<Validate>) => get()(...args)) as Validate;
  for (const name of ['errors', 'schema', 'schemaEnv', 'source', 'evaluated'] as const) {
    Object.defineProperty(validate, name, { get: () => get()[name], enumerable: true });
  }
  return validate;
}
