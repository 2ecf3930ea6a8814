// Who this cvex is, read from its own package.json: the name a policy repository pins, the exact
// version, and the GitHub repository whose reusable workflows match that version.
export interface PackageIdentity {
  /** The scoped npm name, e.g. `@cloudview-exceptions/cvex`. */
  name: string;
  version: string;
  /** `org/name` of the repository that holds the reusable workflows. */
  repository: string;
}

interface PackageJson {
  name: string;
  version: string;
  repository?: { url?: string } | string;
}

export function repositoryFromUrl(url: string): string {
  const match = /github\.com[/:]([^/]+)\/([^/.]+?)(?:\.git)?$/.exec(url);
  if (!match) throw new Error(`package.json repository '${url}' is not a GitHub repository`);
  return `${match[1]}/${match[2]}`;
}

export function packageIdentity(): PackageIdentity {
  // dist/init and src/init both sit two levels below the package root.
  const pkg = require('../../package.json') as PackageJson;
  const url = typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository?.url ?? '');
  return { name: pkg.name, version: pkg.version, repository: repositoryFromUrl(url) };
}
