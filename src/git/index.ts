// git, read only, for what the repository's history can tell: commits, the origin's repository,
// trees and files at old commits. No shell, bounded output (run-git.ts).
export { GitError } from './run-git';
export { revParse } from './rev-parse';
export { remoteRepository, repositoryOfUrl } from './remote-repository';
export { listTree, readBlobs } from './objects';
export { changedFiles, isRefName, mergeBase } from './diff';
