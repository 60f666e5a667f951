/** The Baton language front end: lexer, parser, checker, compiler, formatter. */
export * as ast from './ast';
export { parse, ParseResult } from './parser';
export { check, CheckResult, CallSite } from './checker';
export { Workspace, analyzeText, Analysis } from './workspace';
export { Diagnostic, Severity, DIAGNOSTIC_CODES } from './diagnostics';
export { LineIndex, Position } from './line-index';
