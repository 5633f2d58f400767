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

/** A compact JWS of `claims` signed with the private JWK `jwk` (RS256), header `typ`. */
export function signJwt(claims, jwk, typ) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', kid: jwk.kid, typ })}.${part(claims)}`;
  const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  return `${input}.${crypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}
