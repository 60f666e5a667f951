/**
 * The few `vscode` values extension/views/run-model.ts uses (icons, colors, file URIs), so its
 * pure logic runs under mocha outside VS Code. Import this module before run-model.ts, then call
 * `restoreVscode()`.
 */
import Module from 'node:module';

export class ThemeIcon { constructor(readonly id: string, readonly color?: ThemeColor) {} }
export class ThemeColor { constructor(readonly id: string) {} }
const stub = { ThemeIcon, ThemeColor, Uri: { file: (p: string) => ({ fsPath: p, scheme: 'file' }) } };

const M = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = M._load;
M._load = function (this: unknown, request: string, ...rest: unknown[]) {
  return request === 'vscode' ? stub : load.call(this, request, ...rest);
};

/** Removes the stub (call once the modules under test are loaded: other test files never see it). */
export function restoreVscode(): void { M._load = load; }
