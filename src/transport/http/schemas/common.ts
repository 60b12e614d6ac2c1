// TypeBox building blocks shared by the HTTP schemas.
import Type from 'typebox';

/** A canonical ULID (26 characters of Crockford base32, upper case). */
export const Ulid = Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' });

export const IdParams = Type.Object({ id: Ulid }, { additionalProperties: false });

/** `?limit` with the given bounds. */
export const limit = (maximum: number, defaultValue: number) => Type.Optional(Type.Integer({ minimum: 1, maximum, default: defaultValue }));
