// Qualys platforms and the CloudView base URL. Hosts from the platform table of Qualys's CloudView
// release notes; US4, UK1 and AU1 come from Qualys's own public scripts. Any other host works through --api-url.
import { isIP } from 'node:net';

export const PLATFORMS = {
  US1: 'qualysguard.qualys.com',
  US2: 'qualysguard.qg2.apps.qualys.com',
  US3: 'qualysguard.qg3.apps.qualys.com',
  US4: 'qualysguard.qg4.apps.qualys.com',
  EU1: 'qualysguard.qualys.eu',
  EU2: 'qualysguard.qg2.apps.qualys.eu',
  IN1: 'qualysguard.qg1.apps.qualys.in',
  CA1: 'qualysguard.qg1.apps.qualys.ca',
  AE1: 'qualysguard.qg1.apps.qualys.ae',
  UK1: 'qualysguard.qualys.co.uk',
  AU1: 'qualysguard.qualys.com.au',
} as const satisfies Record<string, string>;

export type PlatformId = keyof typeof PLATFORMS;

export const API_PREFIX = '/cloudview-api';

/** Bad platform or URL. The message never repeats user info from the URL. */
export class TargetError extends Error {
  override name = 'TargetError';
}

export function isPlatformId(value: string): value is PlatformId {
  return Object.prototype.hasOwnProperty.call(PLATFORMS, value);
}

/** `https://qualysguard.qualys.com/cloudview-api` for `US1` (case-insensitive). */
export function platformBaseUrl(platform: string): string {
  const id = platform.trim().toUpperCase();
  if (!isPlatformId(id)) {
    throw new TargetError(`unknown platform '${platform}'; expected one of ${Object.keys(PLATFORMS).join(', ')} (or use --api-url)`);
  }
  return `https://${PLATFORMS[id]}${API_PREFIX}`;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  // Only `localhost` itself: `*.localhost` is loopback by RFC 6761, but glibc with `hosts: files dns` asks DNS for it,
  // which could send Basic credentials over plain http anywhere.
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(host);
  return false;
}

/**
 * Normalises a user's API URL to `<origin>/cloudview-api`. Accepts the origin (`https://host`, optional
 * trailing slash) or a URL already ending in `/cloudview-api`. Refuses plain http except on loopback,
 * user info in the URL (credentials come from the environment only), queries and other paths.
 */
export function normaliseApiUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    // Do not echo the input: it might carry credentials.
    throw new TargetError('the API URL is not a valid absolute URL (expected e.g. https://qualysguard.qualys.com)');
  }
  if (url.username !== '' || url.password !== '') {
    throw new TargetError('the API URL must not contain credentials; set QUALYS_USERNAME and QUALYS_PASSWORD instead');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TargetError(`the API URL must use https:// (got ${url.protocol})`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new TargetError(`plain http:// is refused for ${url.hostname}: use https:// (http is only accepted for loopback hosts)`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TargetError('the API URL must not carry a query or fragment');
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '' && path !== API_PREFIX) {
    throw new TargetError(`the API URL must be the platform's origin (e.g. https://qualysguard.qualys.com) or end in ${API_PREFIX}; got path ${path}`);
  }
  return `${url.origin}${API_PREFIX}`;
}
