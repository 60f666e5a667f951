/**
 * The local Ed25519 signing key of the journal, and the set of public keys `verify` trusts.
 *
 * Layout, under `<home>/.baton/keys/` (directory 0700; `home` is `$BATON_HOME`, else the user's home):
 *  - `local.pem` — the private key, PKCS#8 PEM, file mode 0600. Created on first use, reused after.
 *  - `local.pub` — the matching public key (written next to it so it can be copied to other machines).
 *  - `*.pub`     — public keys of other machines whose journals this one trusts.
 *
 * Public keys are passed around as **base64 of the raw 32-byte Ed25519 key** (not SPKI DER): that is
 * what `Started.publicKey` holds and what `*.pub` files contain (a PEM `PUBLIC KEY` block is accepted
 * in `*.pub` files too). A key id is the first 16 hex characters of SHA-256 over the raw 32 bytes.
 *
 * Creation is race-free: the key is written to a temporary file and hard-linked into place, so two
 * processes starting at once end up with the same key and nobody ever reads a half-written file.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatonError } from '../errors';

export interface LocalKey {
  privateKey: crypto.KeyObject;
  /** Base64 of the raw 32-byte Ed25519 public key. */
  publicKey: string;
  /** First 16 hex characters of SHA-256 over the raw public key. */
  keyId: string;
}

/** What a journal writer needs to sign checkpoints (a `LocalKey` is one). */
export interface Signer {
  privateKey: crypto.KeyObject;
  publicKey: string;
}

const PRIVATE_FILE = 'local.pem';
const PUBLIC_FILE = 'local.pub';
/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function defaultHome(): string {
  return process.env.BATON_HOME ?? os.homedir();
}

/** `<home>/.baton/keys`. */
export function keysDir(home: string = defaultHome()): string {
  return path.join(home, '.baton', 'keys');
}

/** Base64 of the raw 32-byte public key of an Ed25519 key (private or public KeyObject). */
export function rawPublicKey(key: crypto.KeyObject): string {
  const pub = key.type === 'private' ? crypto.createPublicKey(key) : key;
  const der = pub.export({ format: 'der', type: 'spki' });
  if (der.length !== SPKI_PREFIX.length + 32 || !der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) {
    throw new BatonError('journal', 'not an Ed25519 key');
  }
  return der.subarray(SPKI_PREFIX.length).toString('base64');
}

/** The KeyObject for a base64 raw 32-byte Ed25519 public key; throws a BatonError if malformed. */
export function publicKeyObject(publicKey: string): crypto.KeyObject {
  const raw = Buffer.from(publicKey, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== publicKey) {
    throw new BatonError('journal', `not an Ed25519 public key: ${JSON.stringify(publicKey.slice(0, 60))}`);
  }
  return crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** First 16 hex characters of SHA-256 over the raw public key. */
export function keyIdOf(publicKey: string): string {
  return crypto.createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex').slice(0, 16);
}

function fromPrivateKey(privateKey: crypto.KeyObject, file: string): LocalKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new BatonError('journal', `${file}: not an Ed25519 private key (found ${privateKey.asymmetricKeyType ?? 'unknown'})`);
  }
  const publicKey = rawPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

function readPrivateKey(file: string): LocalKey {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new BatonError('journal', `${file}: cannot read the signing key: ${(e as Error).message}`, { cause: e });
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(pem);
  } catch (e) {
    throw new BatonError('journal', `${file}: not a PEM private key: ${(e as Error).message}`, { cause: e });
  }
  return fromPrivateKey(key, file);
}

/** Creates the keys directory (0700), tightening it if it is open to group or others. */
function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/** Writes `data` to `file` (mode `mode`) atomically; false if `file` already exists. */
function writeExclusive(file: string, data: string, mode: number): boolean {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.fchmodSync(fd, mode);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The local key if it exists (no side effects), else undefined. */
export function loadKey(home: string = defaultHome()): LocalKey | undefined {
  const file = path.join(keysDir(home), PRIVATE_FILE);
  if (!fs.existsSync(file)) return undefined;
  return readPrivateKey(file);
}

/**
 * The local signing key: read from `<home>/.baton/keys/local.pem`, or generated (Ed25519) and
 * stored there on first use, together with `local.pub`.
 */
export function loadOrCreateKey(home: string = defaultHome()): LocalKey {
  const dir = keysDir(home);
  const file = path.join(dir, PRIVATE_FILE);
  if (fs.existsSync(file)) return readPrivateKey(file);
  try {
    ensureDir(dir);
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    if (!writeExclusive(file, pem, 0o600)) return readPrivateKey(file); // somebody else won the race
    const key = fromPrivateKey(privateKey, file);
    writeExclusive(path.join(dir, PUBLIC_FILE), key.publicKey + '\n', 0o644);
    return key;
  } catch (e) {
    if (e instanceof BatonError) throw e;
    throw new BatonError('journal', `${dir}: cannot create the signing key: ${(e as Error).message}`, { cause: e });
  }
}

/** Parses a `*.pub` file: base64 of the raw 32-byte key, or a PEM `PUBLIC KEY` block. */
export function parsePublicKeyFile(text: string, file = '<key>'): string {
  const t = text.trim();
  try {
    if (t.startsWith('-----BEGIN')) return rawPublicKey(crypto.createPublicKey(t));
    publicKeyObject(t);
    return t;
  } catch (e) {
    throw new BatonError('usage', `${file}: not an Ed25519 public key (expected base64 of the raw 32-byte key or a PEM PUBLIC KEY block)`, { cause: e });
  }
}

/**
 * The public keys `verify` trusts: the local key (if one exists; none is created) plus every
 * `*.pub` file in `<home>/.baton/keys/`. A malformed `*.pub` file is a `usage` error naming it.
 */
export function trustedPublicKeys(home: string = defaultHome()): string[] {
  const out = new Set<string>();
  const local = loadKey(home);
  if (local) out.add(local.publicKey);
  const dir = keysDir(home);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.pub')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new BatonError('usage', `${dir}: ${(e as Error).message}`, { cause: e });
  }
  for (const n of names) {
    const file = path.join(dir, n);
    out.add(parsePublicKeyFile(fs.readFileSync(file, 'utf8'), file));
  }
  return [...out];
}
