// Ed25519 keys for signed markers. Public keys live in cvex.config.yaml (`markerKeys`), so plans
// verify without a secret; the private key only in CVEX_SIGNING_KEY, held by the apply job.
// Text form of both: `ed25519:<base64url of the 32 raw bytes>` (the private key is the seed).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { KEY_ID_LENGTH, type MarkerSignature } from './marker';

export const SIGNING_KEY_ENV = 'CVEX_SIGNING_KEY';
const PREFIX = 'ed25519:';
const KEY_TEXT = /^ed25519:([A-Za-z0-9_-]{43})$/;
// DER header of a PKCS#8 Ed25519 private key; the 32-byte seed follows.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A key in the wrong form; the message never repeats a private key. */
export class MarkerKeyError extends Error {
  override name = 'MarkerKeyError';
}

export interface MarkerPublicKey {
  /** First 8 hex of sha256 of the raw 32 bytes: the marker names the key it was signed with. */
  id: string;
  text: string;
  key: KeyObject;
}

export interface MarkerSigner {
  publicKey: MarkerPublicKey;
  sign(message: string): MarkerSignature;
}

function rawBytes(text: string, what: string): Buffer {
  const match = KEY_TEXT.exec(text.trim());
  const bytes = match ? Buffer.from(match[1], 'base64url') : undefined;
  if (!bytes || bytes.length !== 32) throw new MarkerKeyError(`${what} must read ed25519:<base64url of 32 bytes> (43 characters after the colon)`);
  return bytes;
}

export function keyIdOf(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, KEY_ID_LENGTH);
}

function publicKeyOfRaw(raw: Buffer): MarkerPublicKey {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  return { id: keyIdOf(raw), text: `${PREFIX}${raw.toString('base64url')}`, key };
}

/** Whether a `markerKeys` entry has the right form (the config check). */
export function isMarkerPublicKeyText(text: string): boolean {
  const match = KEY_TEXT.exec(text);
  return match !== null && Buffer.from(match[1], 'base64url').length === 32;
}

export function parseMarkerPublicKey(text: string): MarkerPublicKey {
  return publicKeyOfRaw(rawBytes(text, 'a markerKeys entry'));
}

export function parseSigningKey(text: string): MarkerSigner {
  const seed = rawBytes(text, SIGNING_KEY_ENV);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x;
  const publicKey = publicKeyOfRaw(Buffer.from(String(x), 'base64url'));
  return {
    publicKey,
    sign: (message) => ({ keyId: publicKey.id, value: sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64url') }),
  };
}

/** True when `signature` is a valid signature of `message` by one of `keys` (matched by key id). */
export function verifyMarkerSignature(message: string, signature: MarkerSignature, keys: ReadonlyMap<string, MarkerPublicKey>): boolean {
  const key = keys.get(signature.keyId);
  if (!key) return false;
  try {
    return verify(null, Buffer.from(message, 'utf8'), key.key, Buffer.from(signature.value, 'base64url'));
  } catch {
    return false;
  }
}

export interface GeneratedMarkerKey {
  publicKey: string;
  privateKey: string;
  id: string;
}

export function generateMarkerKey(): GeneratedMarkerKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const raw = Buffer.from(String(jwk.x), 'base64url');
  return { publicKey: `${PREFIX}${jwk.x}`, privateKey: `${PREFIX}${jwk.d}`, id: keyIdOf(raw) };
}
