/**
 * `node dist/debug-adapter.js`: the Baton debug adapter speaking DAP on stdin/stdout, for tests and
 * for editors other than VS Code. Providers are resolved as the CLI resolves them; approvals are
 * answered over DAP (see the custom requests in debug-session.ts). `BATON_DEBUG_HOME` sets where the
 * journal signing key lives (tests use a temporary directory; default: the user's home).
 */
import { BatonDebugSession, defaultDebugServices } from './debug-session';

const session = new BatonDebugSession({ ...defaultDebugServices(), ...(process.env.BATON_DEBUG_HOME ? { home: process.env.BATON_DEBUG_HOME } : {}) });
process.on('SIGTERM', () => session.shutdown());
session.start(process.stdin, process.stdout);
