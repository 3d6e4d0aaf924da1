// Where an apply comes from: commit, ref and author from the CI environment, flags, or git.
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import type { OptionSpec, ParsedArgs } from '../command.js';
import { str } from '../command.js';

export const SOURCE_OPTIONS: Record<string, OptionSpec> = {
  commit: { type: 'string', value: 'SHA', help: 'the commit this file comes from (default: from CI, PAKYAS_COMMIT, or git)' },
  ref: { type: 'string', value: 'REF', help: 'the branch or tag (default: from CI, PAKYAS_REF, or git)' },
  author: { type: 'string', value: 'NAME', help: 'who applies (default: from CI, PAKYAS_AUTHOR, or git)' },
};

export interface RevisionSource { commit: string | null; ref: string | null; author: string | null; source: string | null }

export function revisionSource(args: ParsedArgs, file: string, env = process.env): RevisionSource {
  let found: RevisionSource;
  if (env.GITHUB_ACTIONS === 'true') {
    found = { commit: env.GITHUB_SHA ?? null, ref: env.GITHUB_REF_NAME ?? env.GITHUB_REF ?? null, author: env.GITHUB_ACTOR ?? null, source: 'github-actions' };
  } else if (env.GITLAB_CI === 'true') {
    found = { commit: env.CI_COMMIT_SHA ?? null, ref: env.CI_COMMIT_REF_NAME ?? null, author: env.GITLAB_USER_LOGIN ?? null, source: 'gitlab-ci' };
  } else if (env.PAKYAS_COMMIT || env.PAKYAS_REF || env.PAKYAS_AUTHOR) {
    found = { commit: env.PAKYAS_COMMIT ?? null, ref: env.PAKYAS_REF ?? null, author: env.PAKYAS_AUTHOR ?? null, source: env.CI ? 'ci' : 'cli' };
  } else {
    found = { ...fromGit(dirname(file)), source: env.CI ? 'ci' : 'cli' };
  }
  return {
    commit: str(args, 'commit') ?? found.commit,
    ref: str(args, 'ref') ?? found.ref,
    author: str(args, 'author') ?? found.author,
    source: found.source,
  };
}

function fromGit(cwd: string): Pick<RevisionSource, 'commit' | 'ref' | 'author'> {
  const git = (...a: string[]) => {
    try {
      return execFileSync('git', a, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).toString().trim() || null;
    } catch {
      return null;
    }
  };
  return { commit: git('rev-parse', 'HEAD'), ref: git('rev-parse', '--abbrev-ref', 'HEAD'), author: git('config', 'user.name') };
}
