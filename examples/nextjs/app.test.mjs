// Tests of this app as its developers write them: no Scalekit account, no browser, no
// `next build`. A local provider on 127.0.0.1 signs the tokens, `sessionCookieFor` seals
// a session with the app's own secret, and the app's own proxy (proxy.js) answers
// Requests directly. Pages and route handlers read the request through next/headers,
// which only `next start` provides: tests/browser covers them.
//
//   npm test
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { LocalProvider, sessionCookieFor } from 'scalekit-auth/testing'

const BASE = 'http://localhost:3003'
const NAVIGATE = { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'same-origin' }
let provider
let auth
let proxy

before(async () => {
  provider = await new LocalProvider().start()
  // lib/auth.js reads the SCALEKIT_* variables on the first request, as in production.
  Object.assign(process.env, {
    SCALEKIT_ENVIRONMENT_URL: provider.url, SCALEKIT_CLIENT_ID: provider.clientId,
    SCALEKIT_CLIENT_SECRET: provider.clientSecret, SCALEKIT_REDIRECT_URI: `${BASE}/auth/callback`,
    SCALEKIT_SESSION_SECRET: 'example-tests-session-secret-0123456789',
  })
  ;({ auth } = await import('./lib/auth.js'))
  ;({ proxy } = await import('./proxy.js'))
})
after(() => provider.stop())

const get = (path, headers = {}) => new Request(new URL(path, BASE), { headers })

test('signed out, a page leads to login and the API answers 401', async () => {
  const page = await proxy(get('/dashboard', NAVIGATE))
  assert.equal(page.status, 302)
  assert.equal(new URL(page.headers.get('location')).pathname, '/auth/login')
  const api = await proxy(get('/api/me', { accept: 'application/json' }))
  assert.equal(api.status, 401)
  assert.equal((await api.json()).error, 'session_missing')
})

test('an admin passes to the admin page; a viewer is refused', async () => {
  const admin = await sessionCookieFor(auth, provider, { userId: 'usr_ada', roles: ['admin'] })
  const passed = await proxy(get('/admin', { ...NAVIGATE, cookie: admin }))
  assert.equal(passed.headers.get('x-middleware-next'), '1')

  const viewer = await sessionCookieFor(auth, provider, { roles: ['viewer'] })
  const refused = await proxy(get('/admin', { accept: 'application/json', cookie: viewer }))
  assert.equal(refused.status, 403)
  assert.equal((await refused.json()).error, 'insufficient_scope')
})

test('a bearer token from the provider passes to the API; a forged one does not', async () => {
  const token = provider.mint({ sub: 'usr_svc' })
  const passed = await proxy(get('/api/me', { authorization: `Bearer ${token}` }))
  assert.equal(passed.headers.get('x-middleware-next'), '1')
  const forged = await proxy(get('/api/me', { authorization: `Bearer ${token.slice(0, -4)}AAAA` }))
  assert.equal(forged.status, 401)
})

test('a Server Action header does not open a protected path', async () => {
  const action = { accept: 'text/x-component', 'next-action': 'x', 'content-type': 'text/plain;charset=UTF-8' }
  const post = (headers) => new Request(new URL('/api/me', BASE), { method: 'POST', headers, body: '[]' })
  const refused = await proxy(post(action))
  assert.equal(refused.status, 401)
  assert.equal(refused.headers.get('cache-control'), 'no-store')
  const page = await proxy(post({ ...action, ...NAVIGATE }))
  assert.equal(page.status, 401, 'never a redirect the action client cannot follow')
  const cookie = await sessionCookieFor(auth, provider, { userId: 'usr_ada' })
  const passed = await proxy(post({ ...action, cookie }))
  assert.equal(passed.headers.get('x-middleware-next'), '1')
})
