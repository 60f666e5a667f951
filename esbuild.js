// Bundles: the extension (vscode external), the language server, the `baton` CLI.
// `node esbuild.js` builds once; `--watch` rebuilds on change; `--minify` for release builds.
const esbuild = require('esbuild');

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify,
  logLevel: 'warning',
  legalComments: 'none',
};

const fs = require('fs');
const path = require('path');

/** Every test and benchmark module under test/, bundled one-to-one into out/test/. */
function testEntries(dir = 'test') {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'fixtures') out.push(...testEntries(p)); }
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const builds = [
  // The extension bundle is minified, and the provider/MCP SDKs stay in node_modules (shipped
  // with the extension as dependencies), loaded when a run first needs them: ≤ 1.5 MB.
  { entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', minify: true, external: ['vscode', 'openai', '@anthropic-ai/sdk', '@modelcontextprotocol/sdk'] },
  { entryPoints: ['language-server/server.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['runtime/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
];
if (!process.argv.includes('--no-tests') && fs.existsSync('test')) {
  builds.push({ entryPoints: testEntries(), outdir: 'out', outbase: '.', external: ['vscode', 'mocha'] });
}

async function main() {
  if (watch) {
    for (const b of builds) await (await esbuild.context({ ...common, ...b })).watch();
    return;
  }
  await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
  require('fs').chmodSync('dist/cli.js', 0o755);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
