/**
 * Restricted Mode (run with WORKSPACE_TRUST=1): language features work, runs are refused and
 * leave no journal. Skipped in a trusted workspace.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { activeApi, fixture, runsDir } from './helpers';

describe('Baton extension: Restricted Mode', function () {
  before(function () {
    if (vscode.workspace.isTrusted) this.skip();
  });

  it('refuses to run an agent and writes no journal', async () => {
    const api = await activeApi();
    const before = fs.existsSync(runsDir()) ? fs.readdirSync(runsDir()).length : 0;
    const s = await vscode.commands.executeCommand<{ reason: string; error?: string }>('baton.runAgent', { uri: fixture('hello.baton').toString(), agent: 'greet', inputs: {} });
    assert.equal(s.reason, 'Refused');
    assert.match(s.error ?? '', /Restricted Mode/);
    assert.equal(api.activeRuns(), 0);
    const after = fs.existsSync(runsDir()) ? fs.readdirSync(runsDir()).length : 0;
    assert.equal(after, before);
  });
});
