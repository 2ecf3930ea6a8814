// What a plan covers. A full plan makes the account match every manifest (and deletes what the
// repository no longer declares); a narrowed one, like Terraform's -target, plans only what it was
// pointed at and never deletes what lies outside. Pure.
import type { PlanScope } from './types';

export const FULL_SCOPE: PlanScope = { kind: 'full' };

/** `cvex plan [PATH...]`: no path is the whole repository; any path narrows to what those files declare. */
export function scopeOfPaths(paths: readonly string[]): PlanScope {
  return paths.length === 0 ? FULL_SCOPE : { kind: 'paths', paths: [...paths] };
}

/** Plans saved before scopes existed are full plans. */
export function scopeOf(plan: { scope?: PlanScope }): PlanScope {
  return plan.scope ?? FULL_SCOPE;
}

/**
 * Whether a managed exception the desired state lacks may be deleted. A file list says nothing
 * about the exceptions in other files, so a `paths` plan deletes nothing; a `changed-since` plan
 * deletes only the names its diff removed.
 */
export function mayDelete(scope: PlanScope): (name: string) => boolean {
  switch (scope.kind) {
    case 'full':
      return () => true;
    case 'paths':
      return () => false;
    case 'changed-since': {
      const names = new Set(scope.names);
      return (name) => names.has(name);
    }
  }
}

/** Whether the plan covers a declared exception of this name (a `paths` plan is given only its files' exceptions). */
export function inScope(scope: PlanScope): (name: string) => boolean {
  if (scope.kind !== 'changed-since') return () => true;
  const names = new Set(scope.names);
  return (name) => names.has(name);
}

export function isNarrowed(scope: PlanScope): boolean {
  return scope.kind !== 'full';
}

/** One line for the text and markdown plans, or undefined for a full plan. */
export function describeScope(scope: PlanScope): string | undefined {
  switch (scope.kind) {
    case 'full':
      return undefined;
    case 'paths':
      return `Narrowed to ${scope.paths.join(', ')}: only the exceptions these files declare are planned; nothing is deleted. Run without paths for the full plan.`;
    case 'changed-since':
      return `Changed since ${scope.ref} (${scope.base.slice(0, 12)}): ${changes(scope.names.length)}, plus whatever the full plan finds; the guards are checked at apply.`;
  }
}

function changes(count: number): string {
  return count === 0 ? 'no change' : count === 1 ? 'this change' : `these ${count} changes`;
}
