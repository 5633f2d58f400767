// Writes ../token_types.json: tokens signed with Node's crypto (an implementation
// independent of ours) under one fixed RSA key, and the verdict `validate_access_token`
// must give each: access tokens pass, ID tokens and logout tokens never do, whatever
// their signature and audience. Every language's tests validate them against the
// published key with the `issuer` option set to `issuer`.
//
// Run from this folder: node token-types.cjs
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const issuer = 'https://vectors.scalekit.test';
const clientId = 'skc_vectors';
const exp = 4102444800; // 2100-01-01
const iat = 1767225600; // 2026-01-01
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'vectors-1', alg: 'RS256', use: 'sig' };

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const sign = (header, claimsJson) => {
  const input = `${b64({ alg: 'RS256', kid: 'vectors-1', ...header })}.${b64(claimsJson)}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
};
const base = { iss: issuer, aud: clientId, sub: 'usr_1', iat, exp, oid: 'org_1' };
const claims = (extra) => JSON.stringify({ ...base, ...extra });

const cases = [
  ['access token, typ JWT', { typ: 'JWT' }, claims({}), null],
  ['access token, no typ', {}, claims({ scopes: ['read'] }), null],
  ['access token, typ at+jwt (RFC 9068)', { typ: 'at+jwt' }, claims({ client_id: clientId }), null],
  ['access token, typ application/at+jwt', { typ: 'application/at+jwt' }, claims({}), null],
  ['a null nonce is no nonce', { typ: 'JWT' }, claims({ nonce: null }), null],
  ['a claim named __proto__ is an ordinary claim', {},
    `{"iss":"${issuer}","aud":"${clientId}","sub":"usr_1","iat":${iat},"exp":${exp},"__proto__":{"polluted":true}}`, null],
  ['ID token (nonce)', {}, claims({ azp: clientId, nonce: 'n-0S6_WzA2Mj', email: 'jane@example.com' }), 'token_wrong_type'],
  ['ID token (at_hash)', {}, claims({ azp: clientId, at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q' }), 'token_wrong_type'],
  ['ID token with typ at+jwt still carries a nonce', { typ: 'at+jwt' }, claims({ nonce: 'abc' }), 'token_wrong_type'],
  ['logout token (events)', {},
    claims({ jti: 'lt_1', sid: 'ses_1', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }),
    'token_wrong_type'],
  ['logout token (typ logout+jwt)', { typ: 'logout+jwt' }, claims({ jti: 'lt_2', sid: 'ses_1' }), 'token_wrong_type'],
  ['typ of another +jwt type', { typ: 'secevent+jwt' }, claims({}), 'token_wrong_type'],
  ['typ logout+jwt in capitals', { typ: 'Logout+JWT' }, claims({}), 'token_wrong_type'],
].map(([name, header, payload, code]) => ({ name, token: sign(header, payload), code }));

const out = { issuer, client_id: clientId, jwks: { keys: [jwk] }, cases };
fs.writeFileSync(path.join(__dirname, '..', 'token_types.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${cases.length} cases`);
