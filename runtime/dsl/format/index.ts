/**
 * The Baton/Symbiont formatter. `format` never throws and never damages a file: a file with syntax
 * errors is returned unchanged, and so is any file whose formatted text would lose a comment or
 * parse to a different tree (with `error` saying why).
 */
import { parse } from '../parser';
import { printSourceFile } from './printer';
import { findDifference, findLostComment, lineNumber } from './verify';

export interface FormatResult {
  text: string;
  changed: boolean;
  /** Why the text was left unchanged, when it was. */
  error?: string;
}

const BOM = '\ufeff';

export function format(text: string): FormatResult {
  const unchanged = (error: string): FormatResult => ({ text, changed: false, error });
  const input = parse(text);
  if (input.diagnostics.some((d) => d.severity === 'error')) return unchanged('the file has syntax errors');
  let printed: string;
  try {
    printed = printSourceFile(input.file, text);
  } catch (e) {
    return unchanged(`internal formatter error: ${(e as Error).message}`);
  }
  printed = restoreFileConventions(text, printed);
  if (printed === text) return { text, changed: false };
  const problem = checkOutput(input, printed);
  if (problem) return unchanged(problem);
  return { text: printed, changed: true };
}

/** Keeps a byte-order mark and CRLF line breaks if the input used them. */
function restoreFileConventions(input: string, printed: string): string {
  let out = printed;
  if (/^[^\n]*\r\n/.test(input)) out = out.replace(/\n/g, '\r\n');
  if (input.startsWith(BOM) && !out.startsWith(BOM)) out = BOM + out;
  return out;
}

/** The safety net: re-parse the output and compare comments and trees. */
function checkOutput(input: ReturnType<typeof parse>, printed: string): string | null {
  const output = parse(printed);
  const bad = output.diagnostics.find((d) => d.severity === 'error');
  if (bad) {
    return `formatting would produce a syntax error (line ${lineNumber(output.lines, bad.start)} of the result: ${bad.message})`;
  }
  const lost = findLostComment(input.file.comments, output.file.comments);
  if (lost) return `formatting would lose a comment at line ${lineNumber(input.lines, lost.start)}`;
  if (output.file.comments.length !== input.file.comments.length) {
    return 'formatting would change the comments of the file';
  }
  const diff = findDifference(input.file, output.file);
  if (diff) return `formatting would change the meaning of the code near line ${lineNumber(input.lines, diff.start)}`;
  return null;
}
