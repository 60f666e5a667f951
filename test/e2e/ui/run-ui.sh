#!/usr/bin/env bash
# Runs the UI-level end-to-end test (test/e2e/ui/ui.e2e.mjs) through the real VS Code workbench.
# Needs `npm run build` (dist/extension.js) and vscode-offline (bash ../shared/tools/vscode-offline/setup.sh).
# Env: SHOTS=DIR (screenshots; default docs/screenshots), UI_TIMEOUT=ms, VSCODE_OFFLINE=DIR, KEEP_SERVER=1.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=${VSCODE_OFFLINE:-$HOME/.cache/vscode-offline}
[ -f dist/extension.js ] || { echo "run-ui.sh: dist/extension.js is missing; run npm run build first" >&2; exit 2; }
[ -f "$ROOT/tools/browser.js" ] || { echo "run-ui.sh: vscode-offline is not set up in $ROOT; run bash ../shared/tools/vscode-offline/setup.sh" >&2; exit 2; }
exec node test/e2e/ui/ui.e2e.mjs
