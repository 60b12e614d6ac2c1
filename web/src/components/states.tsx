// Loading, empty and error states: every list and page shows one of these instead of a blank area.
import { ApiError } from '../api/errors';

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** An API error: the envelope's message, its code and the request id to find it in the daemon's log. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const apiError = error instanceof ApiError ? error : null;
  return (
    <div className="state state-error" role="alert">
      <strong>{apiError ? apiError.message : error instanceof Error ? error.message : String(error)}</strong>
      {apiError && (
        <span className="muted">
          {' '}
          ({apiError.code}
          {apiError.requestId ? `, request ${apiError.requestId}` : ''})
        </span>
      )}
    </div>
  );
}
