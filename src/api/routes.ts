/**
 * Stable ids of the CloudView endpoints this project uses. The client counts and reports errors by
 * them and the simulator counts requests and injects faults by them, so tests can compare the two.
 */
export const ROUTE_IDS = [
  'exceptions.create',
  'exceptions.list',
  'exceptions.get',
  'exceptions.delete',
  'evaluations.list',
  'evaluations.applyTags',
  'evaluations.summary',
  'evaluations.resources',
  'connectors.list',
] as const;

export type RouteId = (typeof ROUTE_IDS)[number];
