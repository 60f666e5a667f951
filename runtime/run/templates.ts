/**
 * Workflow templates as model built-ins: critic_revise, parallel_experts, chain_of_thought,
 * iterative_refinement. Each step is an ordinary model effect (journaled, replayable).
 * TODO(orchestration issue): move these to a prelude written in the Baton language itself.
 */
import type { Json, Loc, TypeIR } from '../ir/schema';
import type { Kernel } from '../kernel/kernel';
import { Branch } from '../interp/host';
import { show, Value, Rec } from '../interp/values';
import { oneCompletion } from './ask';

export const TEMPLATES = new Set(['critic_revise', 'parallel_experts', 'chain_of_thought', 'iterative_refinement']);

interface TemplateOptions {
  model: string;
  system: string;
  args: Value[];
  named: Rec;
  output?: { type: TypeIR; types: Record<string, TypeIR> };
  loc?: Loc;
}

export async function runTemplate(name: string, kernel: Kernel, branch: Branch, o: TemplateOptions): Promise<Json> {
  const task = show(o.args[0] ?? '');
  const ask = (prompt: string, b: Branch = branch, output = undefined as TemplateOptions['output']) =>
    oneCompletion(kernel, b, { model: o.model, system: o.system, prompt, output, loc: o.loc }).then((j) => (typeof j === 'string' ? j : JSON.stringify(j)));
  const num = (v: Value | undefined, d: number) => (typeof v === 'number' && v > 0 ? Math.min(v, 10) : d);
  switch (name) {
    case 'critic_revise': {
      const rounds = num(o.named.rounds ?? o.args[1], 1);
      let draft = await ask(`Task:\n${task}\n\nWrite your best answer.`);
      for (let i = 0; i < rounds; i++) {
        const critique = await ask(`Task:\n${task}\n\nDraft:\n${draft}\n\nCritique this draft: list concrete problems and how to fix them.`);
        draft = await ask(`Task:\n${task}\n\nDraft:\n${draft}\n\nCritique:\n${critique}\n\nRewrite the draft, fixing every problem. Answer with the revised text only.`);
      }
      return draft;
    }
    case 'parallel_experts': {
      const experts = Array.isArray(o.named.experts) ? o.named.experts.map(show) : Array.isArray(o.args[1]) ? (o.args[1] as Value[]).map(show) : ['a domain expert', 'a skeptic', 'a practitioner'];
      const answers = await Promise.all(experts.map((e, i) => ask(`You are ${e}.\n\nQuestion:\n${task}\n\nAnswer from your perspective.`, new Branch(`${branch.id}.expert${i}`, branch.signal))));
      const joined = answers.map((a, i) => `## ${experts[i]}\n${a}`).join('\n\n');
      return ask(`Question:\n${task}\n\nExpert answers:\n${joined}\n\nSynthesize one answer that keeps what the experts agree on and resolves where they differ.`);
    }
    case 'chain_of_thought': {
      const steps = num(o.named.steps ?? o.args[1], 0);
      return ask(`Problem:\n${task}\n\nThink step by step${steps ? ` in at most ${steps} steps` : ''}, then give the final answer on a last line starting with "Answer:".`);
    }
    case 'iterative_refinement': {
      const until = typeof o.named.until === 'string' ? o.named.until : 'the answer is complete and correct';
      const max = num(o.named.max_rounds, 3);
      let answer = await ask(`Task:\n${task}\n\nWrite your best answer.`);
      for (let i = 0; i < max; i++) {
        const verdict = await ask(`Task:\n${task}\n\nAnswer:\n${answer}\n\nDoes this answer satisfy: ${until}? Reply DONE if it does; otherwise list what to improve.`);
        if (/^\s*DONE\b/i.test(verdict)) break;
        answer = await ask(`Task:\n${task}\n\nAnswer:\n${answer}\n\nImprove it: ${verdict}\n\nAnswer with the improved text only.`);
      }
      return answer;
    }
  }
  return null;
}
