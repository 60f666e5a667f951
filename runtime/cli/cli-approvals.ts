/**
 * The command line's approval provider. On a terminal it asks, one prompt at a time, offering the
 * six answers. Without a terminal it never hangs: it answers from the flags (`--approve TOOL,...`
 * allows those tools for this run; `--rerun-in-doubt` / `--in-doubt-result JSON` settle in-doubt
 * effects after a crash) and otherwise denies, saying which flag would approve.
 */
import * as readline from 'node:readline';
import type { ApprovalProvider, ApprovalRequest } from '../approvals/approval';
import type { ApprovalAnswer } from '../journal/records';
import type { Json } from '../ir/schema';
import { describeRule } from '../policy/engine';

export interface CliApprovalOptions {
  approve: Set<string>;
  rerunInDoubt: boolean;
  inDoubtResult?: Json;
  interactive: boolean;
  err: (s: string) => void;
}

export class CliApprovals implements ApprovalProvider {
  private queue: Promise<unknown> = Promise.resolve();
  constructor(private readonly o: CliApprovalOptions) {}

  request(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const p = this.queue.then(() => this.answer(req, signal));
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async answer(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer & { by?: string }> {
    const { err } = this.o;
    if (req.inDoubt) {
      if (this.o.inDoubtResult !== undefined) { err(`  in doubt: ${req.tool} — using the result given by --in-doubt-result`); return { kind: 'respond', result: this.o.inDoubtResult, by: '--in-doubt-result' }; }
      if (this.o.rerunInDoubt) { err(`  in doubt: ${req.tool} — running it again (--rerun-in-doubt)`); return { kind: 'allow_once', by: '--rerun-in-doubt' }; }
      if (!this.o.interactive) {
        err(`  in doubt: ${req.reason}.`);
        return { kind: 'deny', reason: 'in doubt and no terminal to ask on', by: 'no terminal' };
      }
    } else if (this.o.approve.has(req.tool) || this.o.approve.has('all')) {
      err(`  approved by --approve ${req.tool} (for this run)`);
      return { kind: 'allow_run', by: `--approve ${req.tool}` };
    } else if (!this.o.interactive) {
      const how = `re-run with --approve ${req.tool} to allow it for this run`;
      err(`  approval needed for ${req.tool}(${short(req.args)}), but stdin is not a terminal: denied. To approve, ${how}.`);
      return { kind: 'deny', reason: `no terminal to ask on; ${how}`, by: 'no terminal' };
    }
    return this.prompt(req, signal);
  }

  private async prompt(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const ask = (q: string) => new Promise<string>((resolve, reject) => {
      const onAbort = () => { rl.close(); reject(new Error('cancelled')); };
      signal.addEventListener('abort', onAbort, { once: true });
      rl.question(q, (a) => { signal.removeEventListener('abort', onAbort); resolve(a.trim()); });
    });
    try {
      this.o.err(`\n? ${req.inDoubt ? 'IN DOUBT: ' : ''}${req.tool}(${JSON.stringify(req.args)})`);
      this.o.err(`  agent ${req.agent} · ${describeRule(req.rule)} · ${req.reason}`);
      const options = req.inDoubt
        ? '  [y] run it again  [s] it ran: give its result  [n] do not run it'
        : `  [y] allow once  [r] allow for this run${req.canAlwaysAllow ? '  [a] always allow' : ''}  [n] deny  [e] edit arguments  [s] respond with a result`;
      this.o.err(options);
      for (;;) {
        const a = (await ask('> ')).toLowerCase();
        if (a === 'y') return { kind: 'allow_once' };
        if (a === 'r' && !req.inDoubt) return { kind: 'allow_run' };
        if (a === 'a' && req.canAlwaysAllow) return { kind: 'always_allow' };
        if (a === 'n') { const reason = await ask('  reason (told to the model): '); return { kind: 'deny', ...(reason ? { reason } : {}) }; }
        if (a === 'e' && !req.inDoubt) {
          const t = await ask('  arguments as JSON: ');
          try { const args = JSON.parse(t); if (args && typeof args === 'object' && !Array.isArray(args)) return { kind: 'edit', args }; } catch { /* ask again */ }
          this.o.err('  not a JSON object; try again');
          continue;
        }
        if (a === 's') {
          const t = await ask('  result as JSON (or plain text): ');
          let result: Json = t;
          try { result = JSON.parse(t); } catch { /* plain text */ }
          return { kind: 'respond', result };
        }
        this.o.err(`  answer one of the letters above`);
      }
    } finally {
      rl.close();
    }
  }
}

function short(args: { [k: string]: Json }): string {
  const s = JSON.stringify(args);
  return s.length > 80 ? s.slice(0, 77) + '...' : s.slice(1, -1);
}
