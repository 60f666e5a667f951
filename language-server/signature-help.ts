/**
 * Signature help for the innermost call around the cursor. The call is found in the raw text
 * (text-context.ts: the innermost open `name(`), so it works while the arguments do not parse yet;
 * the callee is resolved like the checker does (callee.ts): declared tools / functions / agents
 * with their parameters and defaults, built-ins and LLM built-ins from runtime/dsl/builtins.ts
 * (several signatures for `range`, `min`, ...). The active parameter is the `name:` of a named
 * argument, else the position among the positional arguments before the cursor.
 */
import { MarkupKind, ParameterInformation, SignatureHelp, SignatureInformation } from 'vscode-languageserver';
import type { DocContext } from './context';
import { scopeAt } from './scope-at';
import { Frame, cursorContext, Tok } from './text-context';
import { CalleeInfo, resolveCallee, SignatureInfo } from './callee';

export function signatureHelp(ctx: DocContext, offset: number): SignatureHelp | null {
  const file = ctx.analysis.parse.file;
  const tc = cursorContext(file, ctx.text, offset);
  if (tc.inComment) return null;
  let frame: Frame | undefined;
  for (let k = tc.frames.length - 1; k >= 0 && !frame; k--) {
    const f = tc.frames[k];
    if (f.kind === 'call' && f.callee) frame = f;
    // Not across a block (a lambda body's statements are not arguments).
    else if (f.kind === 'body' || f.kind === 'agent' || f.kind === 'top') break;
  }
  if (!frame) return null;
  const scope = scopeAt(file, offset);
  const agent = scope.agent ?? null;
  const info = resolveCallee(ctx, frame.callee!, agent, (n) => scope.locals.some((l) => l.name === n));
  if (!info) return null;
  const { positional, named } = argumentAt(frame.toks);
  const sigIndex = pickSignature(info.signatures, positional, named);
  const signatures = info.signatures.map((s) => toSignature(s, info, positional, named));
  return { signatures, activeSignature: sigIndex, activeParameter: signatures[sigIndex].activeParameter };
}

/** The argument the cursor is in: its position among positional arguments, or its name. */
function argumentAt(toks: readonly Tok[]): { positional: number; named: string | undefined } {
  let positional = 0, segStart = 0;
  for (let i = 0; i < toks.length; i++) {
    if (!(toks[i].type === 'punct' && toks[i].text === ',')) continue;
    if (!isNamed(toks, segStart)) positional++;
    segStart = i + 1;
  }
  return { positional, named: isNamed(toks, segStart) ? toks[segStart].text : undefined };
}

function isNamed(toks: readonly Tok[], i: number): boolean {
  const a = toks[i], b = toks[i + 1];
  return !!a && a.type === 'word' && !!b && (b.text === ':' || b.text === '=') && toks[i + 2]?.text !== '=';
}

function isVariadic(p: { label: string }): boolean {
  return p.label.startsWith('...') || p.label === '...';
}

function activeIndex(s: SignatureInfo, positional: number, named: string | undefined): number | null {
  if (named !== undefined) {
    const k = s.params.findIndex((p) => p.name === named);
    return k >= 0 ? k : null;
  }
  if (positional < s.params.length) return positional;
  const last = s.params[s.params.length - 1];
  return last && isVariadic(last) ? s.params.length - 1 : null;
}

/** The first signature with room for the argument (alternatives of built-ins). */
function pickSignature(sigs: SignatureInfo[], positional: number, named: string | undefined): number {
  if (sigs.length === 1) return 0;
  for (let i = 0; i < sigs.length; i++) if (activeIndex(sigs[i], positional, named) !== null) return i;
  return sigs.length - 1;
}

function toSignature(s: SignatureInfo, info: CalleeInfo, positional: number, named: string | undefined): SignatureInformation {
  const parameters: ParameterInformation[] = [];
  let from = s.label.indexOf('(') + 1;
  for (const p of s.params) {
    const at = s.label.indexOf(p.label, from);
    const decl = info.params.find((d) => d.name.name === p.name);
    const doc = decl?.default ? `Default: \`${p.label.slice(p.label.indexOf('=') + 1).trim()}\`` : undefined;
    parameters.push({ label: at >= 0 ? [at, at + p.label.length] : p.label, ...(doc ? { documentation: { kind: MarkupKind.Markdown, value: doc } } : {}) });
    if (at >= 0) from = at + p.label.length;
  }
  return {
    label: s.label,
    documentation: { kind: MarkupKind.Markdown, value: info.doc.replace(/^```baton\n[^`]*\n```\n*/, '') },
    parameters,
    activeParameter: activeIndex(s, positional, named),
  };
}
