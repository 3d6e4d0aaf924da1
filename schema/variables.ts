// ${VAR} references: secrets stay out of the repository and are read from the environment when
// the file is applied (SPEC §5). Only channel settings are expanded; `$$` writes a literal `$`.

const REFERENCE = /\$\$|\$\{([^}]*)\}|\$\{?/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Expansion = { ok: true; value: string } | { ok: false; message: string };

/** Checks the syntax of every reference; with `env`, also replaces each by its value. */
export function expandVariables(text: string, env?: Record<string, string | undefined>): Expansion {
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
      problem = `\${${name}} is not a variable reference; names use letters, digits and _ and do not start with a digit, like \${SLACK_WEBHOOK_URL}`;
      return match;
    }
    if (!env) return match;
    const v = env[name];
    if (v === undefined || v === '') {
      problem = `environment variable ${name} is not set (referenced as \${${name}})`;
      return match;
    }
    return v;
  });
  return problem ? { ok: false, message: problem } : { ok: true, value };
}
