// Which URLs a session may open at top level, and the action domain allow-list.
import { CoreError } from '../../core/errors.js';

/**
 * Only http and https are opened: `file:`, `chrome:`, `data:`, `javascript:` and every other scheme
 * are refused before the browser sees them. @throws `invalid_argument`.
 */
export function parseNavigationUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CoreError('invalid_argument', 'url must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CoreError('invalid_argument', `url scheme ${url.protocol} is not allowed (only http and https)`);
  }
  return url;
}

/** True when `host` is one of `domains` or a subdomain of one; an empty list allows every host. */
export function isActionDomainAllowed(host: string, domains: readonly string[]): boolean {
  if (domains.length === 0) return true;
  const bare = host.toLowerCase().replace(/^\[|\]$/g, '');
  return domains.some((domain) => {
    const allowed = domain.toLowerCase().replace(/^\.|\.$/g, '');
    return bare === allowed || bare.endsWith(`.${allowed}`);
  });
}
