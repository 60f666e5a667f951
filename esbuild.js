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
  // The Baton prelude (runtime/prelude/*.baton) is embedded in the bundles as text.
  loader: { '.baton': 'text' },
};

const fs = require('fs');
const path = require('path');

/**
 * zod re-exports its error messages in ~45 languages (`z.locales`), ~250 KB of every bundle; Baton
 * uses the English ones only (zod's default), so the other locales are left out.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /locales[\\/]index\.(c?js)$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
      return { path: path.join(path.dirname(args.importer), args.path), namespace: 'zod-en' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};`,
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};
common.plugins = [zodEnglishOnly];

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
  { entryPoints: ['extension/debug/debug-adapter-main.ts'], outfile: 'dist/debug-adapter.js' },
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
