// Writes ../urls.json: authorization and logout URLs as the official Scalekit Node SDK
// (@scalekit-sdk/node 2.11.0) builds them, for the cases below. Every language's tests
// read that file and must build the same URLs.
//
// Run from this folder:
//   npm install --no-save --prefix /tmp/official-sdk @scalekit-sdk/node@2.11.0
//   NODE_PATH=/tmp/official-sdk/node_modules node urls-from-official-sdk.cjs
'use strict';
const fs = require('fs');
const path = require('path');
const { ScalekitClient } = require('@scalekit-sdk/node');

const environmentUrl = 'https://acme.scalekit.com';
const clientId = 'skc_58327482062864390';
const client = new ScalekitClient(environmentUrl, clientId, 'not-used');

// Options in snake_case (as in the vectors) and the official SDK's camelCase.
const names = {
  scopes: 'scopes', state: 'state', nonce: 'nonce', login_hint: 'loginHint',
  domain_hint: 'domainHint', connection_id: 'connectionId', organization_id: 'organizationId',
  provider: 'provider', prompt: 'prompt', code_challenge: 'codeChallenge',
  code_challenge_method: 'codeChallengeMethod',
};
const camel = (options) =>
  Object.fromEntries(Object.entries(options).map(([k, v]) => [names[k], v]));

const redirect = 'https://app.example.com/auth/callback';
const authorization = [
  ['defaults', redirect, {}],
  ['state', redirect, { state: 'af0ifjsldkj' }],
  ['empty state is left out', redirect, { state: '' }],
  ['nonce', redirect, { nonce: 'n-0S6_WzA2Mj' }],
  ['login hint with plus and at', redirect, { login_hint: 'jane+test@acme.com' }],
  ['domain hint adds domain', redirect, { domain_hint: 'acme.com' }],
  ['connection', redirect, { connection_id: 'conn_17576372041941092' }],
  ['organization', redirect, { organization_id: 'org_59615193906282635' }],
  ['social provider', redirect, { provider: 'google' }],
  ['sign-up prompt', redirect, { prompt: 'create' }],
  ['re-authentication prompt', redirect, { prompt: 'login' }],
  ['organization chooser', redirect, { prompt: 'select_account' }],
  ['offline access', redirect, { scopes: ['openid', 'profile', 'email', 'offline_access'] }],
  ['custom scopes', redirect, { scopes: ['openid', 'read:invoices'] }],
  ['pkce', redirect, {
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  }],
  ['reserved characters in state', redirect, { state: 'a b&c=d/e?f#g%h+i~j*k\'l(m)n!o' }],
  ['unicode in login hint', redirect, { login_hint: 'zoë@exämple.com' }],
  ['localhost redirect with port and query', 'http://localhost:3000/callback?tab=1', { state: 's' }],
  ['everything', redirect, {
    scopes: ['openid', 'profile', 'email', 'offline_access'], state: 'st', nonce: 'no',
    login_hint: 'a@b.co', domain_hint: 'b.co', connection_id: 'conn_1', organization_id: 'org_1',
    provider: 'github', prompt: 'login', code_challenge: 'abc', code_challenge_method: 'S256',
  }],
].map(([name, redirect_uri, options]) => ({
  name, redirect_uri, options, url: client.getAuthorizationUrl(redirect_uri, camel(options)),
}));

const logoutNames = { id_token_hint: 'idTokenHint', post_logout_redirect_uri: 'postLogoutRedirectUri', state: 'state' };
const logout = [
  ['no options', {}],
  ['redirect only', { post_logout_redirect_uri: 'https://app.example.com/' }],
  ['all', { id_token_hint: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', post_logout_redirect_uri: 'https://app.example.com/bye?x=1', state: 'l-1' }],
  ['state with spaces', { state: 'x y' }],
].map(([name, options]) => ({
  name, options,
  url: client.getLogoutUrl(Object.fromEntries(Object.entries(options).map(([k, v]) => [logoutNames[k], v]))),
}));

const out = {
  source: '@scalekit-sdk/node 2.11.0 getAuthorizationUrl / getLogoutUrl',
  environment_url: environmentUrl,
  client_id: clientId,
  authorization,
  logout,
};
fs.writeFileSync(path.join(__dirname, '..', 'urls.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${authorization.length} authorization and ${logout.length} logout cases`);
