// Lazily loaded pages whose failed load can be tried again (React.lazy keeps a failed import forever).
import { type ComponentType, createElement } from 'react';

/**
 * Suspends while the page's code loads; a failed load is thrown once to the nearest error boundary and
 * forgotten, so the next render (Try again, or coming back to the page) imports it anew.
 */
export function lazyPage<P extends object>(load: () => Promise<{ default: ComponentType<P> }>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let failure: unknown = null;
  let pending: Promise<void> | null = null;
  return function LazyPage(props: P) {
    if (loaded) return createElement(loaded, props);
    if (failure !== null) {
      const error = failure;
      failure = null;
      throw error;
    }
    pending ??= load().then(
      (module) => {
        loaded = module.default;
      },
      (error: unknown) => {
        failure = error;
        pending = null;
      },
    );
    throw pending;
  };
}
