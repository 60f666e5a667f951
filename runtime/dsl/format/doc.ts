/**
 * A small Wadler/prettier-style document printer.
 *
 * A document is text, arrays of documents, line breaks, indentation, groups and `ifBreak`
 * alternatives. A group prints flat (its `line`s as spaces, `softline`s as nothing) when its
 * contents fit in the remaining width up to the next line break, otherwise broken (every line of
 * the group becomes a newline). Hard lines always break and force every enclosing group to break,
 * except conditional groups, which choose between alternative layouts on their own.
 */

export type Doc = string | Doc[] | Line | Group | Indent | IfBreak;

export interface Line { readonly type: 'line'; readonly hard: boolean; readonly soft: boolean }
export interface Indent { readonly type: 'indent'; readonly contents: Doc }
export interface IfBreak { readonly type: 'ifBreak'; readonly breakContents: Doc; readonly flatContents: Doc }
export interface Group {
  readonly type: 'group';
  readonly contents: Doc;
  /** Set by the caller (`shouldBreak`) or by propagation from a hard line inside. */
  break: boolean;
  /** For conditional groups: alternative layouts, from most flat to most expanded. */
  readonly expandedStates?: Doc[];
  /** Whether break propagation already visited this group. */
  visited?: boolean;
}

/** A space when flat, a newline when broken. */
export const line: Line = { type: 'line', hard: false, soft: false };
/** Nothing when flat, a newline when broken. */
export const softline: Line = { type: 'line', hard: false, soft: true };
/** Always a newline; breaks every enclosing (non-conditional) group. */
export const hardline: Line = { type: 'line', hard: true, soft: false };

export function group(contents: Doc, shouldBreak = false): Group {
  return { type: 'group', contents, break: shouldBreak };
}

/** Prints the first state that fits: `states[0]` flat, then each other state (the last one if none fits). */
export function conditionalGroup(states: Doc[]): Group {
  return { type: 'group', contents: states[0], break: false, expandedStates: states };
}

export function indent(contents: Doc): Indent {
  return { type: 'indent', contents };
}

export function ifBreak(breakContents: Doc, flatContents: Doc = ''): IfBreak {
  return { type: 'ifBreak', breakContents, flatContents };
}

export function join(separator: Doc, docs: Doc[]): Doc[] {
  const out: Doc[] = [];
  docs.forEach((d, i) => {
    if (i > 0) out.push(separator);
    out.push(d);
  });
  return out;
}

/**
 * Whether a document contains a hard line or a group already forced to break, outside `ifBreak`
 * (looking into the first state of conditional groups).
 */
export function willBreak(doc: Doc): boolean {
  if (typeof doc === 'string') return false;
  if (Array.isArray(doc)) return doc.some(willBreak);
  switch (doc.type) {
    case 'line': return doc.hard;
    case 'indent': return willBreak(doc.contents);
    case 'ifBreak': return false;
    case 'group': return doc.break || willBreak(doc.contents);
  }
}

export interface PrintOptions { width: number; indentWidth: number }

const enum Mode { Flat, Break }

interface Command { ind: number; mode: Mode; doc: Doc }

/** Renders a document. Lines are never left with trailing spaces. */
export function printDoc(doc: Doc, options: PrintOptions = { width: 100, indentWidth: 4 }): string {
  propagateBreaks(doc);
  const out: string[] = [];
  const cmds: Command[] = [{ ind: 0, mode: Mode.Break, doc }];
  let pos = 0;
  let shouldRemeasure = false;
  while (cmds.length > 0) {
    const { ind, mode, doc: d } = cmds.pop()!;
    if (typeof d === 'string') {
      out.push(d);
      pos = advance(pos, d);
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) cmds.push({ ind, mode, doc: d[i] });
      continue;
    }
    switch (d.type) {
      case 'indent':
        cmds.push({ ind: ind + options.indentWidth, mode, doc: d.contents });
        break;
      case 'ifBreak':
        cmds.push({ ind, mode, doc: mode === Mode.Break ? d.breakContents : d.flatContents });
        break;
      case 'line':
        if (mode === Mode.Flat && !d.hard) {
          if (!d.soft) { out.push(' '); pos += 1; }
          break;
        }
        if (mode === Mode.Flat) shouldRemeasure = true;
        trimTrailingSpaces(out);
        out.push('\n' + ' '.repeat(ind));
        pos = ind;
        break;
      case 'group': {
        if (mode === Mode.Flat && !shouldRemeasure) {
          cmds.push({ ind, mode: d.break ? Mode.Break : Mode.Flat, doc: d.contents });
          break;
        }
        shouldRemeasure = false;
        cmds.push(chooseGroupLayout(d, ind, cmds, options.width - pos));
        break;
      }
    }
  }
  trimTrailingSpaces(out);
  return out.join('');
}

function chooseGroupLayout(g: Group, ind: number, rest: Command[], width: number): Command {
  const flat: Command = { ind, mode: Mode.Flat, doc: g.contents };
  if (!g.break && fits(flat, rest, width, false)) return flat;
  const states = g.expandedStates;
  if (!states) return { ind, mode: Mode.Break, doc: g.contents };
  if (g.break) return { ind, mode: Mode.Break, doc: states[states.length - 1] };
  for (let i = 1; i < states.length; i++) {
    const cmd: Command = { ind, mode: Mode.Flat, doc: states[i] };
    if (i === states.length - 1) return fits(cmd, rest, width, false) ? cmd : { ind, mode: Mode.Break, doc: states[i] };
    if (fits(cmd, rest, width, false)) return cmd;
  }
  return { ind, mode: Mode.Break, doc: states[states.length - 1] };
}

/** Whether `next` (then the rest of the commands) fits in `width` columns up to the next line break. */
function fits(next: Command, rest: Command[], width: number, mustBeFlat: boolean): boolean {
  let restIdx = rest.length;
  const stack: Array<[Mode, Doc]> = [[next.mode, next.doc]];
  let remaining = width;
  while (remaining >= 0) {
    if (stack.length === 0) {
      if (restIdx === 0) return true;
      const r = rest[--restIdx];
      stack.push([r.mode, r.doc]);
      continue;
    }
    const [mode, d] = stack.pop()!;
    if (typeof d === 'string') {
      const nl = d.indexOf('\n');
      if (nl >= 0) return remaining - nl >= 0;
      remaining -= d.length;
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) stack.push([mode, d[i]]);
      continue;
    }
    switch (d.type) {
      case 'indent': stack.push([mode, d.contents]); break;
      case 'ifBreak': stack.push([mode, mode === Mode.Break ? d.breakContents : d.flatContents]); break;
      case 'line':
        if (mode === Mode.Break || d.hard) return true;
        if (!d.soft) remaining -= 1;
        break;
      case 'group': {
        if (mustBeFlat && d.break) return false;
        const groupMode = d.break ? Mode.Break : mode;
        const contents = d.expandedStates && groupMode === Mode.Break ? d.expandedStates[d.expandedStates.length - 1] : d.contents;
        stack.push([groupMode, contents]);
        break;
      }
    }
  }
  return false;
}

/**
 * Marks every group that contains a hard line (directly or through a broken child group) as broken.
 * Conditional groups are not marked and stop the propagation: they pick their own layout.
 * Returns whether `doc` forces its enclosing group to break.
 */
function propagateBreaks(doc: Doc): boolean {
  if (typeof doc === 'string') return false;
  if (Array.isArray(doc)) {
    let any = false;
    for (const d of doc) if (propagateBreaks(d)) any = true;
    return any;
  }
  switch (doc.type) {
    case 'line': return doc.hard;
    case 'indent': return propagateBreaks(doc.contents);
    case 'ifBreak':
      propagateBreaks(doc.breakContents);
      propagateBreaks(doc.flatContents);
      return false;
    case 'group': {
      if (doc.visited) return doc.break && !doc.expandedStates;
      doc.visited = true;
      if (doc.expandedStates) {
        for (const s of doc.expandedStates) propagateBreaks(s);
        return false;
      }
      if (propagateBreaks(doc.contents)) doc.break = true;
      return doc.break;
    }
  }
}

function advance(pos: number, text: string): number {
  const nl = text.lastIndexOf('\n');
  return nl < 0 ? pos + text.length : text.length - nl - 1;
}

function trimTrailingSpaces(out: string[]): void {
  while (out.length > 0) {
    const last = out[out.length - 1];
    const trimmed = last.replace(/[ \t]+$/, '');
    if (trimmed.length > 0) {
      out[out.length - 1] = trimmed;
      return;
    }
    out.pop();
  }
}
