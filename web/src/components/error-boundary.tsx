// Catches what a page throws while rendering (e.g. its code failed to load while the daemon was down) and shows it instead of a blank page.
import { Component, type ReactNode } from 'react';
import { ErrorBox } from './states';

interface State {
  error: unknown;
}

export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <>
        <h1>This page could not be shown</h1>
        <ErrorBox error={this.state.error} />
        <p className="muted">If the daemon was restarting, it may be back: try again.</p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </>
    );
  }
}
