// RSA signing keys, made fresh at every start: nothing secret is stored on disk.
import crypto from 'node:crypto';

let counter = 0;

/** A new RS256 private JWK with a unique `kid`. */
export function newSigningKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  counter += 1;
  const kid = `local-${Date.now().toString(36)}-${counter}`;
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}
