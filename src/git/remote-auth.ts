// Credentials for a push or fetch over HTTPS without writing them anywhere: git reads
// configuration from GIT_CONFIG_COUNT / GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n (git 2.31+), so the
// token is in neither .git/config (where later steps could read it) nor the process arguments.

/** The extra header GitHub accepts for a token (an installation token, or GITHUB_TOKEN). */
export function tokenAuthEnv(token: string | undefined, serverUrl = 'https://github.com'): NodeJS.ProcessEnv {
  if (!token) return {};
  const basic = Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64');
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${serverUrl.replace(/\/+$/, '')}/.extraheader`,
    GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}`,
  };
}

/** The token cvex uses to reach GitHub: GITHUB_TOKEN, else GH_TOKEN. */
export function githubToken(env: NodeJS.ProcessEnv): string | undefined {
  return env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim() || undefined;
}

/** A remote URL as printed: without a user or token someone put in it. */
export function displayRemote(remote: string): string {
  return remote.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, '$1');
}
