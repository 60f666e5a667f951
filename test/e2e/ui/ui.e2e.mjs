// UI-level end-to-end test of the Baton extension, driven through the real VS Code workbench
// (code-server's VS Code 1.100 server + headless Chromium via Playwright, from vscode-offline).
//
// Unlike test/e2e/*.e2e.ts (mocha inside the extension host, calling commands and hooks), this
// clicks and types like a user: open hello.baton, run "Baton: Run Agent…" from the command palette
// (pick `guarded`, accept its input box), click "Allow once" on the approval notification, open the
// Baton activity bar container, find the run in the Runs tree and expand it to its tool call,
// see the Journal view fill, open "Baton: Show Run Panel…" and read the webview. Screenshots of
// the key moments go to docs/screenshots/ (used in the README).
//
// Plain Node (not bundled, not type-checked): `node test/e2e/ui/ui.e2e.mjs` after `npm run build`
// and vscode-offline's setup.sh, or `bash test/e2e/ui/run-ui.sh`. Env: VSCODE_OFFLINE (default
// ~/.cache/vscode-offline), SHOTS (screenshot dir, default docs/screenshots; empty: none),
// UI_TIMEOUT (ms per wait, default 30000), KEEP_SERVER=1 (leave the server and its logs in /tmp).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ROOT = process.env.VSCODE_OFFLINE || path.join(os.homedir(), '.cache/vscode-offline');
const WS = path.join(REPO, 'test/fixtures/e2e-workspace');
const SHOTS = process.env.SHOTS ?? path.join(REPO, 'docs/screenshots');
const FAIL_DIR = path.join(REPO, 'test-results');
const T = Number(process.env.UI_TIMEOUT || 30_000);
const RUNS = path.join(WS, '.baton/runs');

if (!fs.existsSync(path.join(ROOT, 'tools/browser.js'))) {
  console.error(`vscode-offline is not set up in ${ROOT}: run bash ../shared/tools/vscode-offline/setup.sh`);
  process.exit(2);
}
if (!fs.existsSync(path.join(REPO, 'dist/extension.js'))) {
  console.error('dist/extension.js is missing: run npm run build first');
  process.exit(2);
}
const { launch } = createRequire(path.join(ROOT, 'tools/'))('./browser.js');

const t0 = Date.now();
const log = (s) => console.log(`[ui ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${s}`);
let passed = 0;
let page;

/** One named step: logs ✓/✗ with its duration; on failure saves a screenshot to test-results/. */
async function step(name, fn) {
  const s = Date.now();
  try {
    const r = await fn();
    passed++;
    log(`✓ ${name} (${Date.now() - s} ms)`);
    return r;
  } catch (e) {
    log(`✗ ${name}`);
    if (page) {
      fs.mkdirSync(FAIL_DIR, { recursive: true });
      const f = path.join(FAIL_DIR, `ui-failure-${name.replace(/\W+/g, '-').toLowerCase()}.png`);
      await page.screenshot({ path: f }).then(() => log(`  screenshot of the failure: ${path.relative(REPO, f)}`), () => {});
    }
    throw e;
  }
}

async function shot(name) {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  const f = path.join(SHOTS, name);
  await page.screenshot({ path: f });
  log(`  screenshot ${path.relative(REPO, f)}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

function runFiles() {
  try { return fs.readdirSync(RUNS).filter((f) => f.endsWith('.jsonl')); } catch { return []; }
}

function records(file) {
  try {
    return fs.readFileSync(path.join(RUNS, file), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  } catch { return []; }
}

async function until(what, probe, ms = T) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs a command from the palette (F1), typing `title` and choosing the row labelled exactly so. */
async function palette(title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: T });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: T });
  await row.click();
}

/** A pane (view) of the side bar by its title. */
function pane(title) {
  return page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: new RegExp(`^\\s*${title}`, 'i') }) });
}

const hadBatonDir = fs.existsSync(path.join(WS, '.baton'));
const before = new Set(runFiles());
const state = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-ui-e2e-'));
let serverPid;
let close;

async function main() {
  const port = await freePort();
  // The user settings code-server-start would write, plus quiet, screenshot-friendly ones (no
  // "a git repository was found in the parent folders" toast, no minimap).
  fs.mkdirSync(path.join(state, 'ud/User'), { recursive: true });
  fs.writeFileSync(path.join(state, 'ud/User/settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false, 'chat.disableAIFeatures': true, 'git.openRepositoryInParentFolders': 'never',
    'git.enabled': false, 'editor.minimap.enabled': false, 'workbench.tips.enabled': false,
  }, null, 2));
  serverPid = await step('start the VS Code server', () =>
    Number(execFileSync(path.join(ROOT, 'bin/code-server-start'), [String(port), state], { encoding: 'utf8' }).trim()));
  const server = `http://127.0.0.1:${port}`;
  log(`  server ${server} (state ${state})`);

  ({ page, close } = await launch());
  page.setDefaultTimeout(T);
  // The extension under development, as `code --extensionDevelopmentPath` does (the server runs with
  // --enable-smoke-test-driver, which makes the workbench honour this payload).
  const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${REPO}`], ['skipWelcome', 'true']];
  await step('open the workbench on the fixture workspace', async () => {
    await page.goto(`${server}/?folder=${encodeURIComponent(WS)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.locator('.activitybar [aria-label^="Baton"]').first().waitFor({ state: 'visible', timeout: 60_000 });
  });

  await step('open hello.baton; the language server puts policy inlay hints on tool calls', async () => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('hello.baton');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'hello.baton' }).first().click();
    await page.locator('.tab.active', { hasText: 'hello.baton' }).waitFor();
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.locator('.view-line', { hasText: 'let said = shout(text);' }).waitFor();
    // Inlay hints are injected text in the view lines; the one at `shout(text)` says what the gate decides.
    await until('an inlay hint on shout(text)', async () =>
      /ask/i.test(await editor.locator('.view-line', { hasText: 'let said = shout(' }).innerText()));
    await page.waitForTimeout(500);
    await shot('editor-inlay-hints.png');
  });

  await step('"Baton: Run Agent…" from the command palette: pick guarded, accept its input', async () => {
    await palette('Baton: Run Agent…');
    const input = page.locator('.quick-input-widget input');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'guarded' }).first();
    await row.waitFor({ state: 'visible' });
    await input.fill('guarded');
    await row.click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Run guarded (1/1)' }).waitFor();
    await until('the default "hi" prefilled', async () => (await input.inputValue()) === 'hi');
    await input.fill('hello from the UI');
    await page.keyboard.press('Enter');
  });

  let run;
  await step('the approval notification asks about shout; click "Allow once"', async () => {
    const toast = page.locator('.notification-toast', { hasText: 'shout' });
    await toast.waitFor({ state: 'visible' });
    const allow = toast.locator('.monaco-button', { hasText: /^Allow once$/ });
    await allow.waitFor({ state: 'visible' });
    await page.waitForTimeout(300);
    await shot('approval-notification.png');
    run = await until('the new run\'s journal', () => runFiles().find((f) => !before.has(f)));
    await allow.click();
    await toast.waitFor({ state: 'hidden' });
  });
  const runId = run.replace(/\.jsonl$/, '');
  log(`  run ${runId}`);

  await step('the run completes with the approved tool result', async () => {
    const end = await until('a Terminated record', () => records(run).find((r) => r.type === 'Terminated'));
    if (end.reason !== 'Completed') throw new Error(`run ended ${end.reason}: ${JSON.stringify(end)}`);
    await page.locator('.notification-toast', { hasText: 'completed: "hello from the UI"' }).waitFor({ state: 'visible' });
    const decided = records(run).find((r) => r.type === 'ApprovalDecided');
    if (!decided || decided.answer?.kind !== 'allow_once') throw new Error(`no allow_once ApprovalDecided record: ${JSON.stringify(decided)}`);
  });

  await step('the Baton activity bar container shows the run in the Runs tree', async () => {
    await page.locator('.activitybar [aria-label^="Baton"]').first().click();
    // Widen the side bar (drag its sash) so the tree rows read in the screenshot.
    const bar = await page.locator('.part.sidebar').boundingBox();
    if (bar && bar.width < 450) {
      const y = bar.y + bar.height / 2;
      await page.mouse.move(bar.x + bar.width + 1, y);
      await page.mouse.down();
      await page.mouse.move(bar.x + 520, y, { steps: 8 });
      await page.mouse.up();
    }
    // Collapse the Agents view to leave room for the Runs and Journal views.
    const agents = pane('Agents').locator('.pane-header');
    await agents.waitFor({ state: 'visible' });
    if ((await agents.getAttribute('aria-expanded')) === 'true') await agents.click();
    const runs = pane('Runs');
    await runs.waitFor({ state: 'visible' });
    const header = runs.locator('.pane-header');
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    const row = runs.locator('.monaco-list-row', { hasText: 'guarded' }).first();
    await row.waitFor({ state: 'visible' });
    await until('the run row to say Completed', async () => /Completed/.test(await row.innerText()));
  });

  await step('expanding the run shows the shout tool call with its verdict', async () => {
    const runs = pane('Runs');
    const row = runs.locator('.monaco-list-row', { hasText: 'guarded' }).first();
    await row.click(); // selects it: the Journal view shows this run
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.monaco-tl-twistie').click();
    const call = runs.locator('.monaco-list-row', { hasText: 'shout(' }).first();
    await call.waitFor({ state: 'visible' });
    const text = await call.innerText();
    if (!/ASK → ALLOW/.test(text)) throw new Error(`tool call row says: ${text}`);
    // Its details: the rule that asked and the human's answer.
    if ((await call.getAttribute('aria-expanded')) !== 'true') await call.locator('.monaco-tl-twistie').click();
    await runs.locator('.monaco-list-row', { hasText: /approval: allowed once/ }).first().waitFor({ state: 'visible' });
  });

  await step('the Journal view fills with the run\'s records', async () => {
    const journal = pane('Journal');
    const header = journal.locator('.pane-header');
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    await journal.locator('.pane-header', { hasText: runId }).waitFor({ state: 'visible' });
    // The list renders only the rows in view: scroll down until each type has appeared.
    const list = journal.locator('.monaco-list').first();
    for (const type of ['Started', 'ApprovalRequested', 'ApprovalDecided', 'ToolFinished']) {
      const row = journal.locator('.monaco-list-row', { hasText: type }).first();
      for (let i = 0; i < 40 && !(await row.isVisible()); i++) {
        await list.hover();
        await page.mouse.wheel(0, 120);
        await page.waitForTimeout(100);
      }
      await row.waitFor({ state: 'visible' });
    }
    await page.waitForTimeout(300);
    await shot('runs-tree.png');
  });

  await step('"Baton: Show Run Panel…" opens the run webview', async () => {
    await palette('Baton: Show Run Panel…');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: runId }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
    await page.locator('.tab.active', { hasText: 'Baton run' }).waitFor();
    // The webview is an iframe (the host) holding another iframe (the page).
    const app = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame').locator('#app');
    await app.waitFor({ state: 'visible' });
    await until('the run rendered in the webview', async () => {
      const t = await app.innerText().catch(() => '');
      return /shout/.test(t) && !/Loading run/.test(t) ? t : undefined;
    });
    await page.waitForTimeout(500);
    await shot('run-panel.png');
  });
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error(e?.stack || String(e));
} finally {
  if (close) await close().catch(() => {});
  if (serverPid && !process.env.KEEP_SERVER) { try { process.kill(-serverPid, 'SIGTERM'); } catch { /* gone */ } }
  if (failed && fs.existsSync(path.join(state, 'server.log'))) {
    fs.mkdirSync(FAIL_DIR, { recursive: true });
    fs.copyFileSync(path.join(state, 'server.log'), path.join(FAIL_DIR, 'ui-server.log'));
    log('  server log: test-results/ui-server.log');
  }
  if (!process.env.KEEP_SERVER) fs.rmSync(state, { recursive: true, force: true });
  // Leave the fixture as it was: .baton/ goes if this test made it, else only this test's runs do.
  if (!hadBatonDir) fs.rmSync(path.join(WS, '.baton'), { recursive: true, force: true });
  else for (const f of runFiles()) if (!before.has(f)) fs.rmSync(path.join(RUNS, f), { force: true });
}
log(failed ? `UI e2e FAILED after ${passed} step(s)` : `UI e2e passed: ${passed} steps`);
process.exit(failed ? 1 : 0);
