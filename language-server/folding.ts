/**
 * Folding ranges: every multi-line block (items, agent items, policies, `with`, statement blocks,
 * settings blocks), multi-line arrays, records, record types, `match` arms lists and call argument
 * lists; runs of two or more consecutive line comments and multi-line block comments (kind
 * `comment`); `// region` … `// endregion` markers (kind `region`).
 *
 * A range starts on the line of its node and ends on the line before the closing bracket when that
 * bracket starts its line (so `}` stays visible), else on the bracket's line. Ranges sharing a
 * start line are merged into the outermost one.
 */
import { FoldingRange, FoldingRangeKind } from 'vscode-languageserver';
import type * as A from '../runtime/dsl/ast';
import type { DocContext } from './context';
import { walk } from './ast-walk';

const FOLDABLE = new Set([
  'Agent', 'Function', 'Tool', 'Mcp', 'Metadata', 'Schedule', 'Channel', 'Memory', 'Webhook', 'Policy', 'TypeDecl',
  'With', 'Block', 'Settings', 'Array', 'Record', 'TypedRecord', 'RecordType', 'Match', 'Call', 'Capabilities',
]);

export function foldingRanges(ctx: DocContext): FoldingRange[] {
  const { text, lines } = ctx;
  const byStart = new Map<number, FoldingRange>();
  const add = (startLine: number, endLine: number, kind?: string) => {
    if (endLine <= startLine) return;
    const prev = byStart.get(startLine);
    if (prev && prev.endLine >= endLine) return;
    byStart.set(startLine, kind ? { startLine, endLine, kind } : { startLine, endLine });
  };

  walk(ctx.analysis.parse.file, (node) => {
    if (!FOLDABLE.has(node.kind)) return;
    // A Call folds its argument list: from the line of `(` (the callee may span lines itself).
    const start = node.kind === 'Call' ? (node as A.Call).callee.end : node.start;
    const last = Math.max(start, node.end - 1);
    const startLine = lines.lineOf(start);
    let endLine = lines.lineOf(last);
    if (isCloser(text.charCodeAt(last)) && startsLine(text, last)) endLine--;
    add(startLine, endLine);
  });

  // Comments: runs of line comments alone on consecutive lines, multi-line block comments, regions.
  const regions: number[] = [];
  let runStart = -1, runEnd = -1;
  const flush = () => { if (runStart >= 0) add(runStart, runEnd, FoldingRangeKind.Comment); runStart = runEnd = -1; };
  for (const c of ctx.analysis.parse.file.comments) {
    const line = lines.lineOf(c.start);
    const body = c.text.replace(/^(\/\/|#)\s*/, '');
    if (c.style !== '/*' && /^#?region\b/i.test(body)) { flush(); regions.push(line); continue; }
    if (c.style !== '/*' && /^#?endregion\b/i.test(body)) {
      flush();
      const open = regions.pop();
      if (open !== undefined) add(open, line, FoldingRangeKind.Region);
      continue;
    }
    if (c.style === '/*') {
      flush();
      add(line, lines.lineOf(c.end - 1), FoldingRangeKind.Comment);
      continue;
    }
    if (!startsLine(text, c.start)) { flush(); continue; }
    if (runStart >= 0 && line === runEnd + 1) runEnd = line;
    else { flush(); runStart = runEnd = line; }
  }
  flush();
  return [...byStart.values()].sort((a, b) => a.startLine - b.startLine);
}

function isCloser(c: number): boolean { return c === 125 /* } */ || c === 93 /* ] */ || c === 41 /* ) */; }

/** Only blanks before `offset` on its line. */
function startsLine(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}
