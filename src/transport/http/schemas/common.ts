// TypeBox building blocks shared by the HTTP schemas.
import Type from 'typebox';
import { ERROR_CODES } from '../../../core/errors.js';

/** A canonical ULID (26 characters of Crockford base32, upper case). */
export const Ulid = Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' });

export const IdParams = Type.Object({ id: Ulid }, { additionalProperties: false });

/** `?limit` with the given bounds. */
export const limit = (maximum: number, defaultValue: number) => Type.Optional(Type.Integer({ minimum: 1, maximum, default: defaultValue }));

export const nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The JSON body of every error response (`errorEnvelope` builds it). */
export const ErrorEnvelopeWire = Type.Object({
  error: Type.String(),
  code: Type.Enum([...ERROR_CODES]),
  category: Type.Enum(['client', 'auth', 'conflict', 'limit', 'server']),
  retryable: Type.Boolean(),
  request_id: Type.String(),
  validation_errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});

/** `response` of a route schema: `ok` for the given status, the error envelope for every other. */
export function responses<S extends number, T extends Type.TSchema>(status: S, ok: T) {
  return { [status]: ok, '4xx': ErrorEnvelopeWire, '5xx': ErrorEnvelopeWire } as { [K in S]: T } & { '4xx': typeof ErrorEnvelopeWire; '5xx': typeof ErrorEnvelopeWire };
}
