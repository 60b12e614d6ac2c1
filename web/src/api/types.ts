// Names for the wire shapes the pages use, all taken from the generated OpenAPI types (nothing typed by hand).
import type { paths } from './schema';

type Ok<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type TapePage = Ok<'/console/v1/runs/{id}/events', 'get'>;
export type RunEvent = TapePage['events'][number];
export type Run = TapePage['run'];
export type RunState = Run['state'];
export type ChatSession = Ok<'/console/v1/sessions', 'get'>['sessions'][number];
export type Approval = Ok<'/console/v1/approvals', 'get'>['approvals'][number];
export type DecisionBody = NonNullable<paths['/console/v1/approvals/{id}/decision']['post']['requestBody']>['content']['application/json'];
export type NodeInfo = Ok<'/console/v1/nodes', 'get'>['nodes'][number];
export type PairingRequest = Ok<'/console/v1/pairing/requests', 'get'>['requests'][number];
export type PairingCode = Ok<'/console/v1/pairing/codes', 'post', 201>;
export type ApiToken = Ok<'/console/v1/api-tokens', 'get'>['tokens'][number];
export type CreatedToken = Ok<'/console/v1/api-tokens', 'post', 201>;
export type Scope = NonNullable<paths['/console/v1/api-tokens']['post']['requestBody']>['content']['application/json']['scopes'][number];
export type JournalEvent = Ok<'/console/v1/audit/events', 'get'>['events'][number];
export type ChainVerdict = Ok<'/console/v1/audit/verify', 'post'>;
export type Diagnostics = Ok<'/console/v1/diagnostics', 'get'>;
export type MetricsSample = Ok<'/console/v1/metrics/history', 'get'>['samples'][number];
export type ConsoleLogin = Ok<'/console/v1/auth/session', 'get'>;
export type CanvasSummary = Ok<'/console/v1/chat/sessions/{id}/canvases', 'get'>['canvases'][number];
