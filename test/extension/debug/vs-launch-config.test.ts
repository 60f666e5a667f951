/**
 * The pure half of the debugger's VS Code side (extension/debug/launch-config.ts): the agent under
 * the cursor, the agents of a file parsed without the language server (compared with the server's
 * own `baton/agents` answer on the corpus and the examples), launch configuration checks, the
 * provider a launch uses, and package.json's `debuggers` contribution against the code.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { agentSummaries } from '../../../language-server/agents';
import { analyzeText } from '../../../runtime/dsl/workspace';
import {
  agentAtLine, agentConfiguration, agentsInText, checkLaunchConfig, chooseProvider, initialConfigurations, launchConfigSchema,
} from '../../../extension/debug/launch-config';
import { corpusDir, corpusFiles, repoRoot } from '../../helpers/paths';

const demoPath = path.join(repoRoot(), 'test/fixtures/e2e-workspace/debug-demo.baton');
const demo = fs.readFileSync(demoPath, 'utf8');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

describe('debugger (VS Code side): launch configurations', () => {
  describe('agentAtLine', () => {
    const agents = agentsInText('file:///debug-demo.baton', demo);

    it('finds the agent declaration containing the cursor line', () => {
      assert.deepEqual(agents.map((a) => a.name), ['tally', 'liftoff', 'echo_word']);
      assert.equal(agentAtLine(agents, lineOf(demo, 'agent tally'))?.name, 'tally');
      assert.equal(agentAtLine(agents, lineOf(demo, 'sum += double(i);'))?.name, 'tally');
      assert.equal(agentAtLine(agents, lineOf(demo, 'count -= 1;'))?.name, 'liftoff');
      assert.equal(agentAtLine(agents, lineOf(demo, 'return word'))?.name, 'echo_word');
    });

    it('outside every agent: the only agent of the file, else none', () => {
      assert.equal(agentAtLine(agents, lineOf(demo, 'return x * 2;')), undefined);
      assert.equal(agentAtLine(agents, 0), undefined);
      const one = agents.filter((a) => a.name === 'liftoff');
      assert.equal(agentAtLine(one, 0)?.name, 'liftoff');
      assert.equal(agentAtLine([], 3), undefined);
    });
  });

  describe('agentsInText', () => {
    it('reads parameters, types, defaults and optionality as written', () => {
      const [tally, liftoff, echo] = agentsInText('u', demo);
      assert.deepEqual(tally!.params, [
        { name: 'n', optional: true, type: 'int', default: '3' },
        { name: 'label', optional: true, type: 'String', default: '"total"' },
      ]);
      assert.equal(tally!.returns, 'String');
      assert.deepEqual(liftoff!.params, []);
      assert.deepEqual(echo!.params, [{ name: 'word', optional: false, type: 'String' }]);
      assert.equal(tally!.range.start.line, lineOf(demo, 'agent tally'));
    });

    it('agrees with the language server\'s baton/agents on the corpus and the examples', () => {
      const files = [
        ...corpusFiles().map((f) => path.join(corpusDir(), f)),
        ...fs.readdirSync(path.join(repoRoot(), 'examples')).filter((f) => f.endsWith('.baton')).map((f) => path.join(repoRoot(), 'examples', f)),
        demoPath,
      ];
      let agents = 0;
      for (const file of files) {
        const text = fs.readFileSync(file, 'utf8');
        const server = agentSummaries('u', analyzeText(text, 'u')).map(({ description: _d, ...rest }) => rest);
        assert.deepEqual(agentsInText('u', text), server, file);
        agents += server.length;
      }
      assert.ok(agents >= 10, `only ${agents} agents compared`);
    });
  });

  describe('checkLaunchConfig', () => {
    it('accepts a program launch and a recorded-run launch', () => {
      assert.deepEqual(checkLaunchConfig({ type: 'baton', request: 'launch', name: 'a', program: 'x.baton', agent: 'a', inputs: { n: 1 }, stopOnEntry: true }), []);
      assert.deepEqual(checkLaunchConfig({ type: 'baton', request: 'launch', name: 'r', runId: '20261121-1' }), []);
    });

    it('names the configuration and the attribute at fault', () => {
      const [p] = checkLaunchConfig({ name: 'mine', request: 'launch', inputs: [1, 2] });
      assert.match(p!, /'mine'.*'inputs'.*object/);
      assert.match(checkLaunchConfig({ name: 'mine', stopOnEntry: 'yes' })[0]!, /'stopOnEntry' must be true or false/);
      assert.match(checkLaunchConfig({ name: 'mine', agent: 7 })[0]!, /'agent' must be a non-empty string/);
      assert.match(checkLaunchConfig({ name: 'mine', request: 'attach' })[0]!, /'request' must be "launch"/);
      assert.match(checkLaunchConfig({ name: 'both', program: 'a.baton', runId: 'r' })[0]!, /either 'runId'.*or 'program'/);
    });
  });

  describe('chooseProvider', () => {
    const settings = { provider: 'openai', model: 'gpt-4o', baseUrl: 'http://localhost:9/v1', cassette: 'set.json' };

    it('uses the settings when the launch says nothing', () => {
      assert.deepEqual(chooseProvider(settings, {}, '/w'), { id: 'openai', model: 'gpt-4o', baseUrl: 'http://localhost:9/v1' });
      assert.deepEqual(chooseProvider({}, {}, '/w'), { id: 'openai' });
    });

    it('a cassette alone means replay, resolved against the root; the other provider\'s settings are dropped', () => {
      assert.deepEqual(chooseProvider(settings, { cassette: 'd.cassette.json' }, '/w'), { id: 'replay', cassette: 'd.cassette.json', cassettePath: path.resolve('/w', 'd.cassette.json') });
    });

    it('the launch wins attribute by attribute; the settings\' cassette serves a replay launch of a replay setting', () => {
      assert.deepEqual(chooseProvider(settings, { model: 'gpt-5' }, '/w'), { id: 'openai', model: 'gpt-5', baseUrl: 'http://localhost:9/v1' });
      assert.deepEqual(chooseProvider({ provider: 'replay', cassette: 'ask.json' }, { provider: 'Replay' }, '/w'), { id: 'replay', cassette: 'ask.json', cassettePath: path.resolve('/w', 'ask.json') });
      assert.deepEqual(chooseProvider(settings, { provider: 'ollama' }, '/w'), { id: 'ollama' });
    });
  });

  describe('package.json contribution', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as {
      activationEvents: string[];
      contributes: { debuggers: Array<{ type: string; languages: string[]; initialConfigurations: unknown[]; configurationAttributes: { launch: { properties: Record<string, { description?: string }> } }; configurationSnippets: Array<{ body: Record<string, unknown> }> }>; breakpoints: Array<{ language: string }>; commands: Array<{ command: string }> };
    };
    const dbg = pkg.contributes.debuggers.find((d) => d.type === 'baton')!;

    it('describes every launch attribute the code accepts, and only those', () => {
      assert.deepEqual(Object.keys(dbg.configurationAttributes.launch.properties).sort(), Object.keys(launchConfigSchema.shape).sort());
      for (const [k, v] of Object.entries(dbg.configurationAttributes.launch.properties)) assert.ok((v.description ?? '').length > 20, k);
    });

    it('offers the same initial configurations as the configuration provider; snippets are valid configurations', () => {
      assert.deepEqual(dbg.initialConfigurations, initialConfigurations());
      for (const s of dbg.configurationSnippets) assert.deepEqual(checkLaunchConfig(s.body), [], JSON.stringify(s.body));
    });

    it('breakpoints in baton files, activation on debug, the command', () => {
      assert.ok(pkg.contributes.breakpoints.some((b) => b.language === 'baton'));
      assert.deepEqual(dbg.languages, ['baton']);
      for (const e of ['onDebugResolve:baton', 'onDebugDynamicConfigurations:baton']) assert.ok(pkg.activationEvents.includes(e), e);
      assert.ok(pkg.contributes.commands.some((c) => c.command === 'baton.debugAgent'));
    });
  });

  it('a dynamic configuration per agent points into the workspace folder', () => {
    assert.deepEqual(agentConfiguration({ name: 'tally' }, path.join('/w', 'sub', 'a.baton'), '/w'),
      { type: 'baton', request: 'launch', name: 'Debug tally (a.baton)', program: '${workspaceFolder}/sub/a.baton', agent: 'tally' });
    assert.equal(agentConfiguration({ name: 't' }, '/elsewhere/a.baton', '/w').program, '/elsewhere/a.baton');
  });
});
