// The vault's keys and its one cipher: AES-256-GCM from node:crypto. Every ciphertext names the key
// that made it (a short hash of the key, never the key), so after a rotation old ciphertexts stay
// readable with the previous key until `vault:rotate` has re-encrypted them.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const KEY_BYTES = 32;
const IV_BYTES = 12;
/** Envelope prefix of a sealed string (records at rest): `v1.<key id>.<iv>.<tag>.<ciphertext>`, base64 parts. */
const ENVELOPE_VERSION = 'v1';

export interface Sealed {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** The key's id: the first 16 hex digits of its SHA-256. Tells keys apart without revealing them. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** A base64 key as given in SLUICE_SECRET_KEY or the key file; anything but 32 bytes is refused. */
export function parseKey(base64: string, where: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== base64.trim()) {
    throw new Error(`${where} must be ${KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export class Keyring {
  readonly currentId: string;
  private readonly keys = new Map<string, Buffer>();

  /** `current` encrypts; it and `previous` decrypt. */
  constructor(current: Buffer, previous: Buffer[] = []) {
    this.currentId = keyIdOf(current);
    for (const key of previous) this.keys.set(keyIdOf(key), key);
    this.keys.set(this.currentId, current);
  }

  seal(plaintext: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.currentId, iv, tag: cipher.getAuthTag(), ciphertext };
  }

  open(sealed: Sealed): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) {
      throw new Error(`data is encrypted with vault key ${sealed.keyId}, which this process does not have (restart it after a key rotation, or set SLUICE_SECRET_KEY_PREVIOUS)`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  }

  /** One string for a jsonb column: the sealed text with its key id, iv and tag. */
  sealToString(plaintext: string): string {
    const s = this.seal(plaintext);
    return [ENVELOPE_VERSION, s.keyId, s.iv.toString('base64'), s.tag.toString('base64'), s.ciphertext.toString('base64')].join('.');
  }

  openString(envelope: string): string {
    const [version, keyId, iv, tag, ciphertext] = envelope.split('.');
    if (version !== ENVELOPE_VERSION || !keyId || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new Error('not a sealed vault envelope');
    }
    return this.open({ keyId, iv: Buffer.from(iv, 'base64'), tag: Buffer.from(tag, 'base64'), ciphertext: Buffer.from(ciphertext, 'base64') });
  }

  /** Does this keyring hold the key with this id? */
  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }
}

export interface KeySources {
  /** SLUICE_SECRET_KEY: base64 of 32 bytes. Unset: the key file in the data dir (made on first start). */
  key?: string;
  /** SLUICE_SECRET_KEY_PREVIOUS: comma-separated older keys, still read (not written) after a rotation. */
  previous?: string;
  dataDir: string;
}

export const KEY_FILE = 'secret-key';
/** Older keys, one per line, kept by `vault:rotate` so ciphertexts it has not reached stay readable. */
export const PREVIOUS_KEYS_FILE = 'secret-key.previous';
/** A rotation's new key before it becomes current; read as a previous key if a rotation was cut short. */
export const NEXT_KEY_FILE = 'secret-key.next';

/**
 * The vault keyring from SLUICE_SECRET_KEY, or from `<dataDir>/secret-key`, which is generated
 * (32 random bytes, mode 0600) the first time. Several processes starting at once agree on one file.
 */
export function loadKeyring(sources: KeySources): Keyring {
  const previous = (sources.previous ?? '')
    .split(',')
    .filter((k) => k.trim() !== '')
    .map((k, i) => parseKey(k, `SLUICE_SECRET_KEY_PREVIOUS (key ${i + 1})`));
  previous.push(...readKeyLines(path.join(sources.dataDir, PREVIOUS_KEYS_FILE)), ...readKeyLines(path.join(sources.dataDir, NEXT_KEY_FILE)));
  if (sources.key) return new Keyring(parseKey(sources.key, 'SLUICE_SECRET_KEY'), previous);
  return new Keyring(readOrCreateKeyFile(path.join(sources.dataDir, KEY_FILE)), previous);
}

function readKeyLines(file: string): Buffer[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => parseKey(l, file));
}

function readOrCreateKeyFile(file: string): Buffer {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) {
    // Written whole under a temporary name, then linked into place: link fails if another process
    // got there first, and nobody ever reads a half-written key.
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    fs.writeFileSync(temporary, `${generateKey()}\n`, { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(temporary, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  return parseKey(fs.readFileSync(file, 'utf8'), file);
}
