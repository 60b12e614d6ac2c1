// The scopes a token can hold, in the order the form lists them; checked against the API's scope type both ways.
import type { Scope } from '../../api/types';

export const SCOPES = [
  'sessions:read',
  'sessions:write',
  'runs:read',
  'runs:write',
  'approvals:read',
  'approvals:write',
  'journal:read',
  'journal:write',
  'status:read',
  'tokens:read',
  'tokens:write',
  'devices:read',
  'devices:write',
  'nodes:read',
  'nodes:write',
  'canvas:read',
  'canvas:write',
  'canvas:admin',
  'browser:read',
  'browser:write',
] as const satisfies readonly Scope[];

// A scope the daemon adds (other than the `*` wildcard) and this list lacks fails the build here.
type Missing = Exclude<Scope, (typeof SCOPES)[number] | '*'>;
export const SCOPE_LIST_COMPLETE: [Missing] extends [never] ? true : Missing = true;
