/**
 * What the debug session needs from its host (`DebugServices`, the contract with the VS Code side),
 * the standalone defaults (providers resolved from the launch arguments and the environment, as the
 * CLI does; approvals answered over DAP), and `DebugApprovals`: pending approvals the user answers
 * while paused (custom request `batonAnswerApproval`, console `:approve` ...), raced with the
 * editor's own approval provider when there is one, so both answer the same request.
 */
import * as fs from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ApprovalProvider, ApprovalRequest } from '../../runtime/approvals/approval';
import type { ApprovalAnswer } from '../../runtime/journal/records';
import type { InferenceProvider } from '../../runtime/providers/provider';
import { fileSettings, providerFrom } from '../../runtime/providers/choose';
import { vaultEnvName } from '../../runtime/run/run';
import { BatonError } from '../../runtime/errors';

export interface BatonLaunchArgs extends DebugProtocol.LaunchRequestArguments {
  program?: string; agent?: string; inputs?: Record<string, unknown>; provider?: string; model?: string;
  cwd?: string; runId?: string; stopOnEntry?: boolean; cassette?: string; baseUrl?: string;
}

export interface DebugServices {
  /** The model provider for a launch (standalone: from the args and the environment, like the CLI does; inline: from VS Code settings). */
  provider(args: BatonLaunchArgs, root: string): Promise<{ provider: InferenceProvider; info: { id: string; model?: string; baseUrl?: string }; secrets?: string[] }>;
  /** Inline: the extension's approval provider (notification + Approvals view). Absent standalone: approvals are answered over DAP. */
  approvals?: ApprovalProvider;
  /** Inline: refuse to run (Restricted Mode). Returns an error message or undefined. */
  refuse?(): string | undefined;
  /** Key home for journal signing (tests pass a temp dir). */
  home?: string;
}

/** Standalone: providers resolved as `baton run` does (flags → launch arguments), approvals over DAP. */
export function defaultDebugServices(): DebugServices {
  return {
    async provider(args) {
      const file = args.program ? fileSettings(args.program) : {};
      const id = args.provider ?? (args.cassette ? 'replay' : file.provider ?? 'openai');
      let apiKey: string | undefined;
      if (file.apiKeyRef) {
        apiKey = process.env[vaultEnvName(file.apiKeyRef)];
        if (apiKey === undefined) throw new BatonError('usage', `the file's api_key is vault://${file.apiKeyRef}: set ${vaultEnvName(file.apiKeyRef)}`);
      }
      const baseUrl = args.baseUrl ?? (file.provider === id || !file.provider ? file.baseUrl : undefined);
      return providerFrom({ id, model: args.model, baseUrl, cassette: args.cassette, apiKey });
    },
  };
}


export interface PendingApproval { req: ApprovalRequest; answer(a: ApprovalAnswer & { by?: string }): void }

/** Approvals while debugging: each request waits here (and in the editor's provider, if any) until answered. */
export class DebugApprovals implements ApprovalProvider {
  readonly pending = new Map<string, PendingApproval>();
  /** Answers given ahead of the question (a fork made to answer an approval differently). */
  readonly preset = new Map<string, ApprovalAnswer>();

  constructor(private readonly inner: ApprovalProvider | undefined, private readonly onWaiting: (req: ApprovalRequest) => void) {}

  request(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const preset = this.preset.get(req.key);
    if (preset) { this.preset.delete(req.key); return Promise.resolve({ ...preset, by: "debugger (fork)" } as unknown as ApprovalAnswer); }
    return new Promise<ApprovalAnswer>((resolve, reject) => {
      const ac = new AbortController();
      let done = false;
      const finish = (a: ApprovalAnswer | undefined, e?: unknown) => {
        if (done) return;
        done = true;
        this.pending.delete(req.key);
        signal.removeEventListener('abort', onAbort);
        ac.abort();
        if (a) resolve(a); else reject(e);
      };
      const onAbort = () => finish(undefined, new BatonError('cancelled', 'cancelled while waiting for an approval'));
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(req.key, { req, answer: (a) => finish({ ...a, by: a.by ?? "debugger" } as unknown as ApprovalAnswer) });
      if (this.inner) {
        const linked = AbortSignal.any([signal, ac.signal]);
        this.inner.request(req, linked).then((a) => finish(a), (e) => { if (!ac.signal.aborted) finish(undefined, e); });
      }
      this.onWaiting(req);
    });
  }

  /** Answers a waiting approval; false if none waits for `key`. */
  answer(key: string, answer: ApprovalAnswer): boolean {
    const p = this.pending.get(key);
    if (!p) return false;
    p.answer(answer);
    return true;
  }

  /** The key of the approval a console command means: the one given, or the only/oldest waiting. */
  keyFor(given: string | undefined): string | undefined {
    if (given) return given;
    return this.pending.keys().next().value;
  }
}

/** `:approve [key]`, `:allow-run`, `:always`, `:deny [reason]`, `:respond <json>`, `:edit <json>`. Undefined: not an answer command. */
export function parseAnswerCommand(line: string): { key?: string; answer: ApprovalAnswer } | { error: string } | undefined {
  const m = /^:(\w[\w-]*)\s*(.*)$/s.exec(line.trim());
  if (!m) return undefined;
  const [, cmd, rest0] = m;
  let rest = rest0.trim();
  let key: string | undefined;
  const k = /^(\S+#\d+)\s*(.*)$/s.exec(rest);
  if (k) { key = k[1]; rest = k[2]; }
  const json = (): unknown => { try { return JSON.parse(rest); } catch (e) { throw new Error(`:${cmd} expects JSON (${(e as Error).message})`); } };
  try {
    switch (cmd) {
      case 'approve': case 'allow': return { key, answer: { kind: 'allow_once' } };
      case 'allow-run': return { key, answer: { kind: 'allow_run' } };
      case 'always': return { key, answer: { kind: 'always_allow' } };
      case 'deny': return { key, answer: rest ? { kind: 'deny', reason: rest } : { kind: 'deny' } };
      case 'respond': return { key, answer: { kind: 'respond', result: json() as never } };
      case 'edit': {
        const a = json();
        if (!a || typeof a !== 'object' || Array.isArray(a)) return { error: ':edit expects a JSON object of arguments' };
        return { key, answer: { kind: 'edit', args: a as never } };
      }
      default: return undefined;
    }
  } catch (e) { return { error: (e as Error).message }; }
}
