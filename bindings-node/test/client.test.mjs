// Every client method against a local signer and against the local OpenID provider.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer } from 'node:net'

import * as sk from '../index.mjs'
import { LocalProvider, TestSigner } from '../testing.mjs'
import { startIdp } from './helpers.mjs'

const REDIRECT = 'http://127.0.0.1:7999/callback'
let provider
let idp

before(async () => {
  provider = await new LocalProvider({ clientId: 'skc_unit' }).start()
  idp = await startIdp({ redirectUris: [REDIRECT], postLogoutUris: ['http://127.0.0.1:7999/'] })
})
after(async () => {
  await provider.stop()
  idp.stop()
})

test('construction makes no network call and checks the configuration', () => {
  new sk.ScalekitAuth({ environmentUrl: 'https://unreachable.invalid', clientId: 'c', clientSecret: 's' })
  assert.throws(() => new sk.ScalekitAuth({ environmentUrl: 'http://example.com', clientId: 'c', clientSecret: 's' }),
    (e) => e instanceof sk.ConfigurationError && e.code === 'invalid_config' && e.message.includes('SCALEKIT_ENVIRONMENT_URL'))
  assert.throws(() => new sk.ScalekitAuth({ environmentUrl: 'https://a.scalekit.com', clientId: '', clientSecret: 's' }),
    sk.ConfigurationError)
})

test('fromEnv names the missing variable', () => {
  const saved = { ...process.env }
  try {
    process.env.SCALEKIT_ENVIRONMENT_URL = 'https://a.scalekit.com'
    delete process.env.SCALEKIT_CLIENT_ID
    assert.throws(() => sk.ScalekitAuth.fromEnv(), /SCALEKIT_CLIENT_ID/)
    process.env.SCALEKIT_CLIENT_ID = 'c'
    process.env.SCALEKIT_CLIENT_SECRET = 's'
    assert.ok(sk.ScalekitAuth.fromEnv({ leewaySeconds: 5 }) instanceof sk.ScalekitAuth)
  } finally {
    process.env = saved
  }
})

test('validateAccessToken returns normalised claims', async () => {
  const auth = provider.client()
  const token = provider.mint({ sub: 'usr_1', roles: ['admin'], scope: 'openid email', tier: 'gold' })
  const claims = await auth.validateAccessToken(token)
  assert.equal(claims.sub, 'usr_1')
  assert.deepEqual(claims.aud, ['skc_unit'])
  assert.deepEqual(claims.roles, ['admin'])
  assert.deepEqual(claims.scopes, ['openid', 'email'])
  assert.deepEqual(claims.permissions, [])
  assert.equal(claims.tier, 'gold')
  assert.equal(claims.oid, 'org_test')
  // Warm path answers synchronously from cached keys; the result is the same.
  assert.deepEqual(await auth.validateAccessToken(token), claims)
})

test('invalid tokens reject with typed errors', async () => {
  const auth = provider.client()
  const now = Math.floor(Date.now() / 1000)
  const cases = [
    [{ exp: now - 3600 }, sk.TokenExpiredError, 'token_expired'],
    [{ aud: ['other'] }, sk.TokenError, 'token_invalid_audience'],
    [{ iss: 'https://evil.example' }, sk.TokenError, 'token_invalid_issuer'],
    [{ nbf: now + 3600 }, sk.TokenError, 'token_not_yet_valid'],
  ]
  for (const [claims, ErrorClass, code] of cases) {
    await assert.rejects(auth.validateAccessToken(provider.mint(claims)), (e) => e instanceof ErrorClass && e.code === code)
  }
  for (const bad of ['', 'a.b.c', 'x'.repeat(20000), `${provider.mint()}x`]) {
    await assert.rejects(auth.validateAccessToken(bad), sk.TokenError)
  }
  const forged = new TestSigner('RS256', 'local-test-key').sign({ iss: provider.url, sub: 'x', aud: 'skc_unit', exp: now + 60 })
  await assert.rejects(auth.validateAccessToken(forged), (e) => e.code === 'token_signature_invalid')
})

test('ID tokens and IdP-initiated login tokens', async () => {
  const auth = provider.client()
  const idToken = provider.mint({ nonce: 'n-1', email: 'a@b.co' })
  assert.equal((await auth.validateIdToken(idToken, { nonce: 'n-1' })).email, 'a@b.co')
  await assert.rejects(auth.validateIdToken(idToken, { nonce: 'other' }), (e) => e.code === 'token_invalid_nonce')
  const hints = await auth.getIdpInitiatedLoginClaims(provider.mint({ connection_id: 'conn_1', organization_id: 'org_1', login_hint: 'a@b.co', relay_state: '/x' }))
  assert.deepEqual({ ...hints }, { connectionId: 'conn_1', organizationId: 'org_1', loginHint: 'a@b.co', relayState: '/x' })
  assert.deepEqual(auth.jwksStatus().keyIds, ['local-test-key'])
})

test('webhooks verify against an independent signer', () => {
  const auth = new sk.ScalekitAuth({ environmentUrl: 'https://a.scalekit.com', clientId: 'c', clientSecret: 's' })
  const key = Buffer.from('independent-test-key-of-32-bytes')
  const secret = `whsec_${key.toString('base64')}`
  const body = '{"type":"user.created"}'
  const ts = String(Math.floor(Date.now() / 1000))
  const mac = createHmac('sha256', key).update(`msg_1.${ts}.${body}`).digest('base64')
  const headers = { 'Webhook-Id': 'msg_1', 'Webhook-Timestamp': ts, 'Webhook-Signature': `v1,${mac}` }
  assert.equal(auth.verifyWebhookPayload(secret, headers, body), true)
  assert.equal(auth.verifyWebhookPayload(secret, new Map(Object.entries(headers)), Buffer.from(body)), true)
  assert.throws(() => auth.verifyWebhookPayload(secret, headers, `${body} `),
    (e) => e instanceof sk.WebhookVerificationError && e.code === 'webhook_invalid_signature')
  const interceptor = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replace('Webhook', 'Interceptor'), v]))
  assert.equal(auth.verifyInterceptorPayload(secret, interceptor, body), true)
  assert.throws(() => auth.verifyWebhookPayload(secret, headers, 42), sk.ConfigurationError)
})

test('an unreachable provider is a typed error', async () => {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) })
  })
  const auth = new sk.ScalekitAuth({ environmentUrl: `http://127.0.0.1:${port}`, clientId: 'c', clientSecret: 's' })
  await assert.rejects(auth.refreshAccessToken('rt'), (e) => e instanceof sk.ProviderError && e.code === 'provider_unreachable')
})

test('login, refresh, replay, logout and client credentials against the provider', async () => {
  const auth = new sk.ScalekitAuth({ environmentUrl: idp.url, clientId: idp.clientId, clientSecret: idp.clientSecret })
  const login = auth.createLogin(REDIRECT, { scopes: ['openid', 'profile', 'email', 'offline_access'] })
  const callback = new URL(await idp.browse(login.url, 'admin', 'client-test'))
  assert.equal(callback.searchParams.get('state'), login.state)
  const result = await auth.authenticateWithCode(callback.searchParams.get('code'), REDIRECT,
    { codeVerifier: login.codeVerifier, nonce: login.nonce })
  assert.equal(result.user.id, 'usr_admin')
  assert.equal(result.user.email, 'admin@example.com')
  assert.deepEqual(result.accessTokenClaims.roles, ['admin'])
  assert.ok(result.refreshToken && result.idTokenClaims)

  const refreshed = await auth.refreshAccessToken(result.refreshToken)
  assert.notEqual(refreshed.refreshToken, result.refreshToken)
  await assert.rejects(auth.refreshAccessToken(result.refreshToken),
    (e) => e instanceof sk.ProviderError && e.code === 'provider_error' && e.oauthError === 'invalid_grant')

  const url = auth.getLogoutUrl({ idTokenHint: result.idToken, postLogoutRedirectUri: 'http://127.0.0.1:7999/', state: 'bye' })
  assert.equal(await idp.browse(url, 'admin', 'client-test'), 'http://127.0.0.1:7999/?state=bye')

  const token = await auth.getClientAccessToken()
  assert.equal((await auth.validateAccessToken(token)).sub, idp.clientId)
  assert.equal((await auth.getClientToken()).accessToken, token)
  await assert.rejects(auth.authenticateWithCode('bad-code', REDIRECT), sk.ProviderError)
})

test('bad argument types and values are typed errors, never crashes', async () => {
  const base = { environmentUrl: 'https://a.scalekit.com', clientId: 'c', clientSecret: 's' }
  for (const options of [{ leewaySeconds: 'x' }, { leewaySeconds: -5 }, { audience: 7 }, { maxTokenBytes: -1 }]) {
    assert.throws(() => new sk.ScalekitAuth({ ...base, ...options }),
      (e) => e instanceof sk.ConfigurationError && e.code === 'invalid_argument', JSON.stringify(options))
  }
  assert.throws(() => new sk.ScalekitAuth(), (e) => e instanceof sk.ConfigurationError && e.code === 'invalid_config')
  const auth = provider.client()
  assert.throws(() => auth.getAuthorizationUrl(undefined), (e) => e.code === 'invalid_argument')
  assert.throws(() => auth.getAuthorizationUrl('https://app/cb', { scopes: 'openid' }), (e) => e.code === 'invalid_argument')
  await assert.rejects(auth.authenticateWithCode(undefined, 'https://app/cb'), (e) => e.code === 'invalid_argument')
  await assert.rejects(auth.validateAccessToken(123), (e) => e.code === 'token_malformed')
  assert.throws(() => auth.verifyWebhookPayload('whsec_c2VjcmV0', null, '{}'), (e) => e.code === 'webhook_malformed')
  assert.equal((await auth.validateAccessToken(provider.mint())).sub, 'usr_test', 'the client still works')
})

test('a login may ask for a recent authentication; a negative maxAge is refused', () => {
  const auth = new sk.ScalekitAuth({ environmentUrl: 'https://acme.scalekit.com', clientId: 'skc_1', clientSecret: 'secret' })
  const url = auth.getAuthorizationUrl('https://app.example/cb', { maxAge: 0, acrValues: 'urn:scalekit:mfa' })
  assert.ok(url.endsWith('&max_age=0&acr_values=urn%3Ascalekit%3Amfa'), url)
  assert.throws(() => auth.getAuthorizationUrl('https://app.example/cb', { maxAge: -1 }), (error) => /maxAge/.test(error.message))
})
