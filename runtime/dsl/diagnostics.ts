/** Diagnostics shared by the parser, the checker, the CLI and the language server. */

export type Severity = 'error' | 'warning' | 'info';

export interface RelatedLocation {
  /** Document URI or path; `undefined` means the same document. */
  file?: string;
  start: number;
  end: number;
  message: string;
}

export interface Diagnostic {
  /** A stable code, e.g. `unknown-name`; documented in `DIAGNOSTIC_CODES`. */
  code: string;
  severity: Severity;
  message: string;
  /** Offsets into the document (`end` exclusive). */
  start: number;
  end: number;
  related?: RelatedLocation[];
  /** Extra machine-readable data for quick fixes (e.g. `{ suggestion: 'agent' }`). */
  data?: Record<string, unknown>;
}

/** Every code the front end can produce, with its severity and a one-line description. */
export const DIAGNOSTIC_CODES: Record<string, { severity: Severity; description: string }> = {
  'lex-error': { severity: 'error', description: 'A character that cannot start any token.' },
  'unterminated-string': { severity: 'error', description: 'A string with no closing quote.' },
  'syntax-error': { severity: 'error', description: 'The parser expected something else here.' },
  'unclosed-block': { severity: 'error', description: 'A `{`, `(` or `[` that is never closed.' },
  'missing-value': { severity: 'error', description: 'A `key:` or `key =` with no value.' },
  'unknown-item': { severity: 'error', description: 'A word that starts no known top-level item, agent item or policy rule.' },
  'invalid-assignment': { severity: 'error', description: 'The left side of an assignment is not a name, member or index.' },
  'duplicate-definition': { severity: 'error', description: 'Two definitions of the same name in one scope.' },
  'unknown-name': { severity: 'error', description: 'A name that is not defined in scope.' },
  'arity': { severity: 'error', description: 'A call with too many or too few arguments.' },
  'unknown-named-arg': { severity: 'error', description: 'A named argument the callee does not declare.' },
  'duplicate-arg': { severity: 'error', description: 'The same parameter given twice in one call.' },
  'unknown-metadata-key': { severity: 'warning', description: 'A metadata key Baton does not know.' },
  'unknown-with-attr': { severity: 'warning', description: 'A `with` attribute Baton does not know.' },
  'invalid-attr-value': { severity: 'error', description: 'A known attribute with a value of the wrong kind.' },
  'unknown-tool-key': { severity: 'warning', description: 'A key a tool declaration does not know.' },
  'tool-binding': { severity: 'error', description: 'A tool without exactly one binding (builtin, command, mcp, http).' },
  'unknown-builtin-tool': { severity: 'error', description: 'A `builtin = "..."` binding naming no built-in tool.' },
  'command-template': { severity: 'error', description: 'A command template that is not an argv array or names unknown parameters.' },
  'unknown-mcp-server': { severity: 'error', description: 'A tool bound to an MCP server that is not declared.' },
  'cache-not-idempotent': { severity: 'warning', description: 'A tool with `cache = true` that is not idempotent or has side effects: never cached.' },
  'multiple-with': { severity: 'error', description: 'An agent with more than one `with` block.' },
  'policy-unknown-target': { severity: 'warning', description: 'A rule naming no known tool or capability.' },
  'policy-unreachable': { severity: 'warning', description: 'An allow rule fully shadowed by an unconditional deny.' },
  'policy-asks-every-call': { severity: 'info', description: 'A tool called in a body that no rule allows: every call asks a human.' },
  'policy-denied-call': { severity: 'warning', description: 'A tool call that an unconditional deny rule always blocks.' },
  'policy-invalid-pattern': { severity: 'error', description: 'A rule pattern that is not a call shape, string, array, name or record.' },
  'policy-unenforced-setting': { severity: 'info', description: 'A require/audit setting that Baton does not enforce.' },
  'missing-capability': { severity: 'error', description: 'A tool that needs a capability the calling agent does not declare.' },
  'semantic-function': { severity: 'info', description: 'An undeclared call, implemented by the model.' },
  'sandbox-tier': { severity: 'info', description: 'The sandbox tier tool processes of an agent will run in (or why the requested one cannot run here).' },
  'unknown-type': { severity: 'info', description: 'A type that is not declared; treated as Any.' },
  'ambiguous-reference': { severity: 'warning', description: 'A name defined in several other files of the workspace.' },
  'break-outside-loop': { severity: 'error', description: '`break` or `continue` outside a loop.' },
  'nesting-too-deep': { severity: 'error', description: 'Expressions or blocks nested too deeply to analyse.' },
  'unreachable-code': { severity: 'warning', description: 'A statement after return, break or continue.' },
  'bad-cron': { severity: 'error', description: 'A `schedule` block whose cron expression does not parse.' },
};

export function diag(
  code: string, message: string, start: number, end: number, extra?: Partial<Diagnostic>,
): Diagnostic {
  const severity = DIAGNOSTIC_CODES[code]?.severity ?? 'error';
  return { code, severity, message, start, end, ...extra };
}
