/**
 * Workspace Trust: in Restricted Mode Baton keeps its language features but refuses to run,
 * resume or fork agents (they run tools and commands in the workspace).
 */
import * as vscode from 'vscode';

export const RESTRICTED_MESSAGE = 'Baton: running agents is disabled in Restricted Mode. Trust this workspace (Manage Workspace Trust) to run agents; language features keep working.';

/** True when runs are allowed; otherwise shows why not (without waiting for the message). */
export function checkTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showErrorMessage(RESTRICTED_MESSAGE, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
