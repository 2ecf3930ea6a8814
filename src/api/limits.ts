// How much the client reads per answer, and how large a page it asks for, per route. A body past its
// cap is never buffered whole (http.ts stops reading at the cap), and a page is chosen so that its
// expected body stays under half the cap: a server that pads or never ends its body fails one request
// with a clear error instead of filling memory.
import type { RouteName } from './errors';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Largest body read per route, in bytes. Error bodies are cut at the same size (only their first line matters). */
export const DEFAULT_BODY_LIMITS = {
  'exceptions.list': 8 * MiB,
  'exceptions.get': 4 * MiB,
  'exceptions.create': 256 * KiB,
  'exceptions.delete': 256 * KiB,
  'evaluations.list': 32 * MiB,
  'evaluations.applyTags': 256 * KiB,
  'evaluations.summary': 4 * MiB,
  'evaluations.resources': 8 * MiB,
  'connectors.list': 4 * MiB,
} as const satisfies Record<RouteName, number>;

/**
 * Generous sizes of one list item on the wire, in bytes: an exception with a long explanation, an
 * evaluation, a control summary, a per-resource result with its evidences, a connector.
 */
export const ITEM_BYTES = {
  'exceptions.list': 8 * KiB,
  'evaluations.list': 2 * KiB,
  'evaluations.summary': 2 * KiB,
  'evaluations.resources': 4 * KiB,
  'connectors.list': 4 * KiB,
} as const satisfies Partial<Record<RouteName, number>>;

export type ListRoute = keyof typeof ITEM_BYTES;

/**
 * Page sizes asked when the caller does not say. The per-account summary's documented default is 300;
 * the regex evaluation list takes large pages (the documentation's sample asks 100,000), so fewer
 * requests read it. Every other list is capped at 100 by the server anyway.
 */
export const DEFAULT_PAGE_SIZES = {
  'exceptions.list': 100,
  'evaluations.list': 2_000,
  'evaluations.summary': 300,
  'evaluations.resources': 100,
  'connectors.list': 100,
} as const satisfies Record<ListRoute, number>;

export type BodyLimits = Record<RouteName, number>;

/** The defaults with the caller's overrides; every cap a positive integer. */
export function bodyLimitsOf(overrides: Partial<Record<RouteName, number>> = {}): BodyLimits {
  const limits: BodyLimits = { ...DEFAULT_BODY_LIMITS, ...overrides };
  for (const [route, bytes] of Object.entries(limits)) {
    if (!Number.isInteger(bytes) || bytes < 1024) throw new RangeError(`maxBodyBytes.${route} must be an integer of at least 1024 bytes; got ${bytes}`);
  }
  return limits;
}

/** The page size to ask: the caller's (or the route's default), lowered until the expected body fits half the cap. */
export function pageSizeFor(route: ListRoute, limits: BodyLimits, asked?: number): number {
  const fits = Math.max(1, Math.floor(limits[route] / 2 / ITEM_BYTES[route]));
  return Math.min(asked ?? DEFAULT_PAGE_SIZES[route], fits);
}

/** `8 MiB`, `256 KiB`, `1500 bytes`: for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}
