// The Fetch-API integration (scalekit-auth/web) with real `Request` and `Response`
// objects against a private local provider with 5-second access tokens: the auth routes,
// redirects for page loads, 401 JSON for fetch, 403 for roles, cookies, refresh, a
// tampered cookie, logout; and applying refreshed cookies to a forwarded request (next).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'

import { createScalekitWeb, withCookies } from '../web.mjs'
import { FETCH, NAVIGATE, startIdp } from './helpers.mjs'
import { ScalekitAuthError } from '../index.mjs'

const require = createRequire(import.meta.url)
const BASE = 'http://127.0.0.1:8765' // never served: the provider only redirects to it
const SAME_ORIGIN = { ...NAVIGATE, 'sec-fetch-site': 'same-origin' }
const CROSS_SITE = { ...NAVIGATE, 'sec-fetch-site': 'cross-site' }

let idp
let auth
const errors = []

before(async () => {
  idp = await startIdp({ redirectUris: [`${BASE}/auth/callback`], postLogoutUris: [`${BASE}/`] })
  auth = createScalekitWeb({
    environmentUrl: idp.url,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    redirectUri: `${BASE}/auth/callback`,
    sessionSecret: 'web-test-session-secret-0123456789abcdef',
    postLogoutRedirectUri: `${BASE}/`,
    onError: (error, request) => errors.push([error.code, new URL(request.url).pathname]),
  })
})
after(() => idp.stop())

/** A browser's cookie jar over real `Request`/`Response` objects. */
class Jar extends Map {
  request(route, headers = {}, init = {}) {
    const cookie = [...this].map(([k, v]) => `${k}=${v}`).join('; ')
    return new Request(new URL(route, BASE), { ...init, headers: { ...(cookie ? { cookie } : {}), ...headers } })
  }

  take(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      if (attrs.some((a) => a.trim() === 'Max-Age=0')) this.delete(pair.slice(0, eq))
      else this.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
    return response
  }
}

async function logIn(jar, username) {
  const login = jar.take(await auth.handleAuth(jar.request('/auth/login?return_to=%2Fdashboard', SAME_ORIGIN)))
  assert.equal(login.status, 302)
  assert.ok(login.headers.get('location').startsWith(`${idp.url}/oauth/authorize?`))
  const callback = await idp.browse(login.headers.get('location'), username, `web-${username}`)
  const landed = jar.take(await auth.handleAuth(jar.request(callback, CROSS_SITE)))
  assert.equal(landed.status, 302, await landed.clone().text())
  assert.equal(landed.headers.get('location'), '/dashboard')
  assert.ok(jar.has('skauth_session'))
}

test('the auth routes: login, signup, unknown paths and methods', async () => {
  const jar = new Jar()
  const login = await auth.handleAuth(jar.request('/auth/login', NAVIGATE))
  assert.equal(login.status, 302)
  assert.ok(login.headers.getSetCookie().some((c) => c.startsWith('skauth_login_')))
  const signup = await auth.handleAuth(jar.request('/auth/signup', NAVIGATE))
  assert.match(signup.headers.get('location'), /[?&]prompt=create(&|$)/)
  const scripted = await auth.handleAuth(jar.request('/auth/login', FETCH))
  assert.equal(scripted.status, 400)
  assert.match(scripted.headers.get('content-type'), /application\/json/)
  assert.equal((await auth.handleAuth(jar.request('/auth/other', NAVIGATE))).status, 404)
  assert.equal((await auth.handleAuth(jar.request('/elsewhere/login', NAVIGATE))).status, 404)
  assert.equal((await auth.handleAuth(jar.request('/auth/login', NAVIGATE, { method: 'POST' }))).status, 405)
  // A callback without its login cookie: an error page, never a session.
  const stray = await auth.handleAuth(jar.request('/auth/callback?code=x&state=y', CROSS_SITE))
  assert.ok(stray.status >= 400)
  assert.ok(!stray.headers.getSetCookie().some((c) => c.startsWith('skauth_session=')))
})

test('anonymous callers: a page load is redirected, fetch gets 401 JSON', async () => {
  const jar = new Jar()
  const page = await auth.authenticate(jar.request('/dashboard?tab=1', NAVIGATE))
  assert.equal(page.identity, null)
  assert.equal(page.response.status, 302)
  assert.equal(page.response.headers.get('location'), '/auth/login?return_to=%2Fdashboard%3Ftab%3D1')
  const api = await auth.authenticate(jar.request('/api/me', FETCH))
  assert.equal(api.response.status, 401)
  assert.equal((await api.response.json()).error, 'session_missing')
  assert.equal(api.response.headers.get('cache-control'), 'no-store')
  const optional = await auth.optionalAuth(jar.request('/', NAVIGATE))
  assert.equal(optional.identity, null)
  assert.equal(optional.response, undefined)
  assert.ok(errors.some(([code, path]) => code === 'session_missing' && path === '/api/me'))
  const prefetch = await auth.authenticate(jar.request('/dashboard', { ...NAVIGATE, 'sec-purpose': 'prefetch' }))
  assert.equal(prefetch.response.status, 401)
  assert.equal(prefetch.response.headers.get('set-cookie'), null)
})

test('login, roles, refresh, tampered cookie and logout', async () => {
  const jar = new Jar()
  await logIn(jar, 'viewer')
  const page = await auth.authenticate(jar.request('/dashboard', SAME_ORIGIN))
  assert.equal(page.response, undefined)
  assert.equal(page.identity.user.id, 'usr_viewer')
  assert.equal(page.identity.source, 'session')
  assert.deepEqual(page.identity.claims.roles, ['viewer'])
  const firstExp = page.identity.claims.exp

  // A missing role: 403 (JSON for fetch).
  const admin = await auth.authenticate(jar.request('/admin', FETCH), { roles: ['admin'] })
  assert.equal(admin.response.status, 403)
  assert.equal((await admin.response.json()).error, 'insufficient_scope')
  assert.equal((await auth.authenticate(jar.request('/viewer', FETCH), { roles: ['viewer'] })).identity.user.id, 'usr_viewer')

  // Bearer tokens are accepted without a session cookie.
  const bearer = await auth.authenticate(new Request(`${BASE}/api/me`, {
    headers: { authorization: `Bearer ${page.identity.accessToken}`, accept: 'application/json' },
  }))
  assert.equal(bearer.identity.source, 'bearer')

  // Expired: one refresh, new cookies to send, a later expiry.
  await sleep(5200)
  await idp.resetCounts()
  const refreshed = await auth.authenticate(jar.request('/dashboard', SAME_ORIGIN))
  assert.equal(refreshed.response, undefined)
  assert.ok(refreshed.identity.claims.exp > firstExp)
  assert.ok(refreshed.setCookies.some((c) => c.startsWith('skauth_session=')))
  assert.equal(await idp.count('/oauth/token'), 1)
  const answered = jar.take(withCookies(new Response('ok'), refreshed.setCookies))
  assert.equal(answered.headers.getSetCookie().length, refreshed.setCookies.length)
  // Immutable headers (Response.redirect) are copied rather than failing.
  const redirect = withCookies(Response.redirect(`${BASE}/x`, 303), refreshed.setCookies)
  assert.equal(redirect.status, 303)
  assert.equal(redirect.headers.getSetCookie().length, refreshed.setCookies.length)
  assert.equal((await auth.optionalAuth(jar.request('/', NAVIGATE))).identity.user.id, 'usr_viewer')

  // A tampered cookie: back to log in, the cookie cleared.
  const tampered = new Jar([...jar])
  const value = tampered.get('skauth_session')
  tampered.set('skauth_session', `${value.slice(0, 30)}${value[30] === 'A' ? 'B' : 'A'}${value.slice(31)}`)
  const bad = await auth.authenticate(tampered.request('/dashboard', SAME_ORIGIN))
  assert.equal(bad.response.status, 302)
  assert.equal(bad.response.headers.get('location'), '/auth/login?return_to=%2Fdashboard')
  assert.ok(bad.response.headers.getSetCookie().some((c) => c.startsWith('skauth_session=;') || /Max-Age=0/.test(c)))

  // Logout from another site changes nothing; a same-origin POST logs out.
  const crossSite = await auth.handleAuth(jar.request('/auth/logout', CROSS_SITE))
  assert.equal(crossSite.status, 200)
  assert.equal(crossSite.headers.getSetCookie().length, 0)
  const logout = jar.take(await auth.handleAuth(jar.request('/auth/logout', SAME_ORIGIN, { method: 'POST' })))
  assert.equal(logout.status, 302)
  assert.ok(logout.headers.get('location').startsWith(`${idp.url}/oidc/logout?`))
  assert.ok(!jar.has('skauth_session'))
  const landed = await idp.browse(logout.headers.get('location'), 'viewer', 'web-viewer')
  assert.ok(landed.startsWith(`${BASE}/?state=`), landed)
  assert.equal((await auth.authenticate(jar.request('/api/me', FETCH))).response.status, 401)
})

test('endSessionsFor ends that user\'s sessions only; an empty id is refused', async () => {
  const viewer = new Jar()
  const admin = new Jar()
  await logIn(viewer, 'viewer')
  await logIn(admin, 'admin')
  await auth.endSessionsFor('usr_viewer')
  const ended = await auth.authenticate(viewer.request('/api/me', FETCH))
  assert.equal(ended.response.status, 401)
  assert.equal((await ended.response.json()).error, 'session_expired')
  assert.equal((await auth.authenticate(admin.request('/api/me', FETCH))).identity.user.id, 'usr_admin')
  await assert.rejects(auth.endSessionsFor(''), (error) => error.code === 'invalid_argument' && error instanceof ScalekitAuthError)
})

test('peekSession: read-only, no refresh and no cookie, valid inside the refresh window, expired refused', async () => {
  const jar = new Jar()
  await logIn(jar, 'peeker')
  await idp.resetCounts()
  const optional = await auth.peekSession(jar.request('/', SAME_ORIGIN))
  assert.equal(optional.identity.user.id, 'usr_peeker')
  assert.equal(optional.response, undefined)
  assert.deepEqual(optional.setCookies, [])
  const required = await auth.peekSession(jar.request('/admin', FETCH), { roles: ['admin'] })
  assert.equal(required.response.status, 403)
  assert.deepEqual(required.setCookies, [])
  const { exp } = optional.identity.claims

  // Inside the refresh window (the last second of a 5-second token), still valid: it
  // continues, with no refresh at the provider and no Set-Cookie.
  await sleep(Math.max(0, (exp - 0.6) * 1000 - Date.now()))
  const inWindow = await auth.peekSession(jar.request('/dashboard', SAME_ORIGIN), {})
  assert.equal(inWindow.response, undefined)
  assert.equal(inWindow.identity.user.id, 'usr_peeker')
  assert.deepEqual(inWindow.setCookies, [])
  assert.deepEqual(inWindow.decision.setCookies, [])
  assert.equal(await idp.count('/oauth/token'), 0)
  // optionalAuth at the same moment would refresh: the window was open.
  const writer = await auth.optionalAuth(jar.request('/', SAME_ORIGIN))
  assert.ok(writer.setCookies.some((c) => c.startsWith('skauth_session=')))
  assert.equal(await idp.count('/oauth/token'), 1)

  // Expired (the old cookie, past exp): refused, still without a refresh or a cookie.
  await idp.resetCounts()
  await sleep(Math.max(0, (exp + 1.2) * 1000 - Date.now()))
  const page = await auth.peekSession(jar.request('/dashboard?x=1', SAME_ORIGIN), {})
  assert.equal(page.identity, null)
  assert.equal(page.response.status, 302)
  assert.equal(page.response.headers.get('location'), '/auth/login?return_to=%2Fdashboard%3Fx%3D1')
  assert.deepEqual(page.response.headers.getSetCookie(), [])
  const api = await auth.peekSession(jar.request('/api/me', FETCH), {})
  assert.equal(api.response.status, 401)
  assert.deepEqual(api.setCookies, [])
  const anonymous = await auth.peekSession(jar.request('/', SAME_ORIGIN))
  assert.equal(anonymous.identity, null)
  assert.equal(anonymous.response, undefined)
  assert.deepEqual(anonymous.setCookies, [])
  assert.equal(await idp.count('/oauth/token'), 0)
  // The refreshed cookie of the proxy-like call works for a peek.
  jar.take(withCookies(new Response('ok'), writer.setCookies))
  assert.equal((await auth.peekSession(jar.request('/', SAME_ORIGIN), {})).identity?.user.id, 'usr_peeker')
})

test('the proxy hands refreshed cookies on in the request Cookie header', () => {
  const { applyCookies } = require('../next.js')
  assert.equal(
    applyCookies('a=1; skauth_session=old; skauth_login_x=y', [
      'skauth_session=new; Path=/; HttpOnly; SameSite=Lax',
      'skauth_login_x=; Path=/; Max-Age=0',
      'b=2; Path=/',
    ]),
    'a=1; skauth_session=new; b=2',
  )
  assert.equal(applyCookies(null, ['s=; Max-Age=0']), '')
})

test('scalekit-auth and scalekit-auth/web load without Next.js', () => {
  assert.equal(typeof require('../index.js').ScalekitAuth, 'function')
  assert.equal(typeof require('../web.js').createScalekitWeb, 'function')
  // scalekit-auth/next loads next/* on first use only, not at import.
  assert.equal(typeof require('../next.js').createScalekitNext, 'function')
  const loaded = Object.keys(require.cache).filter((file) => /[\\/]node_modules[\\/]next[\\/]/.test(file))
  assert.deepEqual(loaded, [])
})

test('scalekit-auth/next refuses the Edge runtime with the fix in its message', () => {
  const EDGE = /Node\.js runtime.*serverExternalPackages: \['scalekit-auth'\]/s
  const { createScalekitNext } = require('../next.js')
  globalThis.EdgeRuntime = 'edge-runtime'
  try {
    assert.throws(() => createScalekitNext(), EDGE)
    // Loaded for the first time in the Edge runtime: the check runs before anything else.
    for (const file of ['../next.js', '../web.js']) {
      const resolved = require.resolve(file)
      const cached = require.cache[resolved]
      delete require.cache[resolved]
      try {
        assert.throws(() => require(file), EDGE)
      } finally {
        require.cache[resolved] = cached
      }
    }
  } finally {
    delete globalThis.EdgeRuntime
  }
  // Edge, worker and browser bundles resolve ./next and ./web to a stub that throws it.
  const { exports } = require('../package.json')
  for (const entry of ['./next', './web']) {
    // The stub conditions come first: a bundler picks the first condition it knows.
    assert.deepEqual(Object.keys(exports[entry]), ['edge-light', 'worker', 'browser', 'import', 'require'])
    assert.equal(exports[entry].import.types, `${entry}.d.mts`)
    assert.equal(exports[entry].require.types, `${entry}.d.ts`)
    for (const condition of ['edge-light', 'worker', 'browser']) {
      assert.deepEqual(exports[entry][condition], { import: './edge.mjs', default: './edge.js' })
    }
  }
  assert.ok(require('../package.json').files.includes('edge.js') && require('../package.json').files.includes('edge.mjs'))
  assert.throws(() => require('../edge.js'), EDGE)
})

test('the ESM Edge stub throws the same message', async () => {
  await assert.rejects(import('../edge.mjs'), /serverExternalPackages: \['scalekit-auth'\]/)
})
