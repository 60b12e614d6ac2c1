// The app shell: sign-in gate, navigation, the live connection, and one route per area.
import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { Suspense, useEffect, useState } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { api, unwrap } from './api/client';
import { ApiError } from './api/errors';
import { onSignedOut, setCsrfToken } from './api/session';
import type { ConsoleLogin } from './api/types';
import { ErrorBoundary } from './components/error-boundary';
import { lazyPage } from './lib/lazy-page';
import { Loading, ErrorBox } from './components/states';
import { connectConsoleEvents, useLiveState } from './live/console-events';
import { ChatPage } from './pages/chat/chat-page';
import { SignInPage } from './pages/sign-in/sign-in-page';

const RunsPage = lazyPage(() => import('./pages/runs/runs-page'));
const RunPage = lazyPage(() => import('./pages/runs/run-page'));
const ApprovalsPage = lazyPage(() => import('./pages/approvals/approvals-page'));
const NodesPage = lazyPage(() => import('./pages/nodes/nodes-page'));
const BrowserPage = lazyPage(() => import('./pages/browser/browser-page'));
const TokensPage = lazyPage(() => import('./pages/tokens/tokens-page'));
const AuditPage = lazyPage(() => import('./pages/audit/audit-page'));
const OverviewPage = lazyPage(() => import('./pages/overview/overview-page'));
const CanvasWindow = lazyPage(() => import('./pages/chat/canvas-window'));

const NAV = [
  ['/chat', 'Chat'],
  ['/approvals', 'Approvals'],
  ['/runs', 'Runs'],
  ['/nodes', 'Nodes'],
  ['/browser', 'Browser'],
  ['/tokens', 'Tokens'],
  ['/audit', 'Audit'],
  ['/overview', 'Overview'],
] as const;

/** Switches the cached session (null = signed out) and drops every other cached answer, which belonged to the old one. */
function switchSession(queryClient: QueryClient, login: ConsoleLogin | null): void {
  queryClient.setQueryData(['session'], login);
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
}

/** The current console session, or null when signed out (401). */
function useConsoleSession() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async (): Promise<ConsoleLogin | null> => {
      try {
        const login = await unwrap(api.GET('/console/v1/auth/session'));
        setCsrfToken(login.csrf_token);
        return login;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: Infinity,
    retry: false,
  });
}

export function App() {
  const queryClient = useQueryClient();
  const session = useConsoleSession();
  const [signedOutReason, setSignedOutReason] = useState<string | null>(null);

  useEffect(
    () =>
      onSignedOut((reason) => {
        setSignedOutReason(reason);
        switchSession(queryClient, null);
      }),
    [queryClient],
  );

  const signedIn = session.data ?? null;
  useEffect(() => (signedIn ? connectConsoleEvents(queryClient) : undefined), [signedIn, queryClient]);

  if (session.isPending) return <Loading what="the console session" />;
  if (session.isError)
    return (
      <main className="center">
        <ErrorBox error={session.error} />
        <button type="button" onClick={() => void session.refetch()}>
          Try again
        </button>
      </main>
    );
  if (!signedIn)
    return (
      <SignInPage
        reason={signedOutReason}
        onSignedIn={(login) => {
          setSignedOutReason(null);
          switchSession(queryClient, login);
        }}
      />
    );
  return <Shell login={signedIn} />;
}

function Shell({ login }: { login: ConsoleLogin }) {
  const queryClient = useQueryClient();
  const [location] = useLocation();
  const live = useLiveState();
  const [signOutError, setSignOutError] = useState<unknown>(null);
  const signOut = async () => {
    try {
      await unwrap(api.POST('/console/v1/auth/logout'));
      setCsrfToken(null);
      switchSession(queryClient, null);
    } catch (error) {
      setSignOutError(error);
    }
  };
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Palyra</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <Link href={href} aria-current={location.startsWith(href) ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="session-box">
          <span className={`live live-${live}`} title="Live updates">
            {live === 'open' ? 'live' : live === 'closed' ? 'offline' : 'reconnecting…'}
          </span>
          <span className="muted principal">{login.session.principal}</span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <ErrorBox error={signOutError} />
      <main id="main" tabIndex={-1}>
        {/* Keyed by location: moving to another page clears a page's error. */}
        <ErrorBoundary key={location}>
        <Suspense fallback={<Loading what="the page" />}>
          <Switch>
            <Route path="/">
              <Redirect to="/chat" />
            </Route>
            <Route path="/chat/:sessionId/canvases/:canvasId">{(params) => <CanvasWindow sessionId={params.sessionId} canvasId={params.canvasId} />}</Route>
            <Route path="/chat/:sessionId?">{(params) => <ChatPage sessionId={params.sessionId ?? null} />}</Route>
            <Route path="/approvals" component={ApprovalsPage} />
            <Route path="/runs" component={RunsPage} />
            <Route path="/runs/:runId">{(params) => <RunPage runId={params.runId} />}</Route>
            <Route path="/nodes" component={NodesPage} />
            <Route path="/browser" component={BrowserPage} />
            <Route path="/tokens" component={TokensPage} />
            <Route path="/audit" component={AuditPage} />
            <Route path="/overview" component={OverviewPage} />
            <Route>
              <h1>Page not found</h1>
              <p>
                Nothing lives at <code>{location}</code>. <Link href="/chat">Go to the chat</Link>.
              </p>
            </Route>
          </Switch>
        </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}
