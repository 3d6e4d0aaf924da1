// ${VAR} references: secrets stay out of the repository and are read from the environment when
// the file is applied (SPEC §5, §9). `$$` writes a literal `$`.
//
// The file is what a pull request changes, so the file cannot choose which variables it reads:
// a CI job's environment also holds PAKYAS_TOKEN, GITHUB_TOKEN, DATABASE_URL… Only names that
// begin with PAKYAS_SECRET_ are read, and those the CI job itself allows with --allow-env NAME.
// Where a reference may stand (secret settings only) is the loader's rule, as it knows the keys.

const REFERENCE = /\$\$|\$\{([^}]*)\}|\$\{?/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const SECRET_PREFIX = 'PAKYAS_SECRET_';

export interface VariableRules {
  /** The environment; without it references are checked but left as written. */
  env?: Record<string, string | undefined>;
  /** Names read although they do not begin with PAKYAS_SECRET_ (`--allow-env NAME`). */
  allowEnv?: readonly string[];
}

export type Expansion = { ok: true; value: string } | { ok: false; message: string };

export function isVariableName(name: string): boolean {
  return NAME.test(name);
}

/** Whether the file may read this variable; null if it may, else why not and what to do. */
export function unreadable(name: string, allowEnv: readonly string[] = []): string | null {
  if (name.startsWith(SECRET_PREFIX) || allowEnv.includes(name)) return null;
  return `\${${name}} reads a variable not named ${SECRET_PREFIX}*; rename it ${SECRET_PREFIX}${name} or pass --allow-env ${name}`;
}

/** The names of the well-formed references in `text`, in order. */
export function referencedNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(REFERENCE)) {
    if (m[1] !== undefined && NAME.test(m[1])) names.push(m[1]);
  }
  return names;
}

/**
 * Checks every reference (its syntax, then whether the file may read it); with `env`, also
 * replaces each by its value. The first problem is the one reported.
 */
export function expandVariables(text: string, rules: VariableRules = {}): Expansion {
  let problem: string | null = null;
  const value = text.replace(REFERENCE, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    if (problem) return match;
    if (name === undefined) {
      problem = match === '${'
        ? 'an unclosed ${ reference; write ${NAME}'
        : 'a lone $; write ${NAME} to read a variable, or $$ for a literal $';
      return match;
    }
    if (!NAME.test(name)) {
      problem = `\${${name}} is not a variable reference; names use letters, digits and _ and do not start with a digit, like \${${SECRET_PREFIX}SLACK_WEBHOOK_URL}`;
      return match;
    }
    problem = unreadable(name, rules.allowEnv);
    if (problem || !rules.env) return match;
    const v = rules.env[name];
    if (v === undefined || v === '') {
      problem = `environment variable ${name} is not set (referenced as \${${name}})`;
      return match;
    }
    return v;
  });
  return problem ? { ok: false, message: problem } : { ok: true, value };
}
