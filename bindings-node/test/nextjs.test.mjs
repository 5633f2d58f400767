// The built Next.js example (examples/nextjs, `next start`) against a private local
// provider with 5-second access tokens, checked from outside like a browser would:
// redirects to log in (percent-encoded paths too), 401 JSON, login, roles, a tampered
// cookie, a Server Action called from JavaScript with an expired token, one refresh for 20
// concurrent requests, logout through the provider. scripts/test.sh builds the example
// first; without a build (examples/nextjs/.next) this file skips.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { Browser, FETCH, NAVIGATE, ROOT, startIdp } from './helpers.mjs'

const APP = path.join(ROOT, 'examples', 'nextjs')
const BUILT = existsSync(path.join(APP, '.next', 'BUILD_ID'))
const SKIP = BUILT ? false
  : 'examples/nextjs is not built: run `npm ci --prefix examples/nextjs && npm run build --prefix examples/nextjs` (scripts/test.sh does)'

const SAME_ORIGIN = { ...NAVIGATE, 'sec-fetch-site': 'same-origin' }
const CROSS_SITE = { ...NAVIGATE, 'sec-fetch-site': 'cross-site' }

let idp
let next
let base
let output = ''

async function freePort() {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

before(async () => {
  if (!BUILT) return
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  idp = await startIdp({ redirectUris: [`${base}/auth/callback`], postLogoutUris: [`${base}/`] })
  next = spawn(process.execPath, [path.join(APP, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: APP,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      SCALEKIT_ENVIRONMENT_URL: idp.url,
      SCALEKIT_CLIENT_ID: idp.clientId,
      SCALEKIT_CLIENT_SECRET: idp.clientSecret,
      SCALEKIT_REDIRECT_URI: `${base}/auth/callback`,
      SCALEKIT_POST_LOGOUT_REDIRECT_URI: `${base}/`,
      SCALEKIT_SESSION_SECRET: 'nextjs-test-session-secret-0123456789',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  next.stdout.on('data', (chunk) => { output += chunk })
  next.stderr.on('data', (chunk) => { output += chunk })
  const deadline = Date.now() + 30_000
  for (;;) {
    if (next.exitCode !== null) throw new Error(`next start exited: ${output}`)
    try {
      await fetch(`${base}/favicon.ico`)
      break
    } catch {
      if (Date.now() > deadline) throw new Error(`next start did not answer within 30 s: ${output}`)
      await sleep(200)
    }
  }
})

after(() => {
  next?.kill()
  idp?.stop()
})

async function logIn(browser, username) {
  let page = await browser.get('/dashboard', NAVIGATE)
  assert.equal(page.status, 302, output)
  assert.equal(page.location, '/auth/login?return_to=%2Fdashboard')
  page = await browser.get(page.location, SAME_ORIGIN)
  assert.equal(page.status, 302, page.body)
  const callback = await idp.browse(page.location, username, `nextjs-${username}`)
  page = await browser.get(callback, CROSS_SITE)
  assert.equal(page.status, 302, page.body)
  assert.equal(page.location, '/dashboard')
  assert.ok(browser.jar.has('skauth_session'))
}

test('anonymous visitors: pages redirect to log in, the API answers 401 JSON', { skip: SKIP }, async () => {
  const browser = new Browser(base)
  const home = await browser.get('/', NAVIGATE)
  assert.equal(home.status, 200)
  assert.match(home.body, /Not signed in/)
  assert.match(home.body, /href="\/auth\/signup"/)
  for (const route of ['/dashboard', '/admin']) {
    const page = await browser.get(route, NAVIGATE)
    assert.equal(page.status, 302, route)
    assert.equal(page.location, `/auth/login?return_to=${encodeURIComponent(route)}`)
  }
  const api = await browser.get('/api/me', FETCH)
  assert.equal(api.status, 401)
  assert.match(api.contentType, /application\/json/)
  assert.equal(JSON.parse(api.body).error, 'session_missing')
  // Percent-encoded paths are matched as Next routes them; ambiguous ones get 400.
  const encoded = await browser.get('/%64ashboard', NAVIGATE)
  assert.equal(encoded.status, 302, 'the proxy, not only the page, refuses /%64ashboard')
  assert.equal(encoded.location, '/auth/login?return_to=%2F%2564ashboard')
  const encodedApi = await browser.get('/api/%6De/', FETCH)
  assert.equal(encodedApi.status, 308) // Next drops the trailing slash first
  assert.equal(encodedApi.location, '/api/%6De')
  assert.equal((await browser.get('/api/%6De', FETCH)).status, 401)
  assert.equal((await browser.get('/dashboard%2Fx', NAVIGATE)).status, 400)
  // The auth routes answer a script with 400, and an unknown one with 404.
  assert.equal((await browser.get('/auth/login', FETCH)).status, 400)
  assert.equal((await browser.get('/auth/nothing', NAVIGATE)).status, 404)
  // A header the proxy sets cannot be forged into a session.
  const forged = await browser.get('/api/me', { ...FETCH, 'x-scalekit-auth-path': '/', 'x-middleware-subrequest': 'proxy' })
  assert.equal(forged.status, 401)
})

test('login, pages, roles, a tampered cookie, and logout through the provider', { skip: SKIP }, async () => {
  const browser = new Browser(base)
  await logIn(browser, 'admin')
  const dashboard = await browser.get('/dashboard', SAME_ORIGIN)
  assert.equal(dashboard.status, 200, output)
  assert.match(dashboard.body, /admin@example.com/)
  assert.match(dashboard.body, /<form action="\/auth\/logout" method="post">/)
  assert.match(dashboard.body, /Echo \(Server Action\)/)
  assert.match((await browser.get('/', SAME_ORIGIN)).body, /Signed in as (<!-- -->)?<b>admin@example.com<\/b>/)
  assert.match((await browser.get('/admin', SAME_ORIGIN)).body, /administrator (<!-- -->)?usr_admin/)
  const me = JSON.parse((await browser.get('/api/me', FETCH)).body)
  assert.equal(me.user.id, 'usr_admin')
  assert.equal(me.source, 'session')

  // The Server Action, posted the way a browser without JavaScript posts the form.
  const fields = new FormData()
  for (const [, name, value] of dashboard.body.matchAll(/<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?/g)) {
    fields.append(name, (value ?? '').replaceAll('&quot;', '"'))
  }
  fields.append('message', 'hello from a form')
  const form = new Response(fields)
  const echoed = await browser.post('/dashboard', {
    ...SAME_ORIGIN, origin: base, 'content-type': form.headers.get('content-type'),
  }, Buffer.from(await form.arrayBuffer()))
  assert.equal(echoed.status, 200, echoed.body.slice(0, 300))
  assert.match(echoed.body, /admin@example.com said: (<!-- -->)?hello from a form/)

  // A member is signed in but is not an administrator: 403.
  const member = new Browser(base)
  await logIn(member, 'jane')
  assert.equal((await member.get('/dashboard', SAME_ORIGIN)).status, 200)
  assert.equal((await member.get('/admin', SAME_ORIGIN)).status, 403)
  assert.equal((await member.get('/admin', FETCH)).status, 403)

  // A tampered session cookie: back to log in, and the cookie is cleared.
  const tampered = new Browser(base)
  const value = browser.jar.get('skauth_session')
  tampered.jar.set('skauth_session', `${value.slice(0, 20)}${value[20] === 'A' ? 'B' : 'A'}${value.slice(21)}`)
  const page = await tampered.get('/dashboard', SAME_ORIGIN)
  assert.equal(page.status, 302)
  assert.equal(page.location, '/auth/login?return_to=%2Fdashboard')
  assert.ok(!tampered.jar.has('skauth_session'))

  // Logout: a same-origin POST, then the provider, then back home signed out.
  const logout = await browser.post('/auth/logout', SAME_ORIGIN)
  assert.equal(logout.status, 302)
  assert.ok(logout.location.startsWith(`${idp.url}/oidc/logout?`), logout.location)
  assert.ok(!browser.jar.has('skauth_session'))
  const landed = await idp.browse(logout.location, 'admin', 'nextjs-admin')
  assert.ok(landed.startsWith(`${base}/?state=`), landed)
  assert.equal((await browser.get('/dashboard', NAVIGATE)).status, 302)
  assert.equal((await browser.get('/api/me', FETCH)).status, 401)
})

test('20 concurrent requests with an expired access token: one refresh, all served', { skip: SKIP }, async () => {
  const browser = new Browser(base)
  await logIn(browser, 'viewer')
  const before = browser.jar.get('skauth_session')
  await sleep(5500) // past the expiry of the 5-second access token
  await idp.resetCounts()
  const pages = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    new Browser(base).request('GET', i % 2 ? '/dashboard' : '/api/me', {
      ...(i % 2 ? SAME_ORIGIN : FETCH), cookie: `skauth_session=${before}`,
    })))
  for (const [i, page] of pages.entries()) {
    assert.equal(page.status, 200, `request ${i}: ${page.status} ${page.body.slice(0, 200)}`)
    assert.ok(page.setCookies.some((c) => c.startsWith('skauth_session=')), `request ${i} got no new cookie`)
  }
  assert.equal(await idp.count('/oauth/token'), 1)
  // The refreshed cookie keeps the session going.
  browser.jar.set('skauth_session', pages[1].setCookies.find((c) => c.startsWith('skauth_session=')).split(';')[0].slice('skauth_session='.length))
  assert.equal((await browser.get('/dashboard', SAME_ORIGIN)).status, 200)
  assert.equal(await idp.count('/oauth/token'), 1)
})

test('a Server Action called from JavaScript: refreshed by the proxy, checked by the action', { skip: SKIP }, async () => {
  const browser = new Browser(base)
  await logIn(browser, 'actor')
  const dashboard = await browser.get('/dashboard', SAME_ORIGIN)
  const id = dashboard.body.replaceAll('&quot;', '"').match(/"id":"([0-9a-f]{20,})"/)?.[1]
  assert.ok(id, 'the page names its action')
  // What React's action client posts for `echo(previousState, formData)`.
  const call = async (who, message) => {
    const fields = new FormData()
    fields.append('_1_message', message)
    fields.append('0', '[null,"$K1"]')
    const form = new Response(fields)
    return who.post('/dashboard', {
      accept: 'text/x-component', 'next-action': id, origin: base, 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin',
      'sec-fetch-dest': 'empty', 'content-type': form.headers.get('content-type'),
    }, Buffer.from(await form.arrayBuffer()))
  }
  await sleep(5500) // past the expiry of the 5-second access token
  await idp.resetCounts()
  const answered = await call(browser, 'hello from JavaScript')
  assert.equal(answered.status, 200, answered.body.slice(0, 300))
  assert.match(answered.contentType, /text\/x-component/)
  assert.match(answered.body, /actor@example.com said: hello from JavaScript/)
  assert.ok(answered.setCookies.some((c) => c.startsWith('skauth_session=')), 'the refreshed cookie reaches the browser')
  assert.equal(await idp.count('/oauth/token'), 1)
  // Without a session, an action posted to a protected path gets the proxy's 401: the
  // action client surfaces it, and the action never runs.
  const anonymous = await call(new Browser(base), 'hi')
  assert.equal(anonymous.status, 401, anonymous.body.slice(0, 300))
  assert.equal(JSON.parse(anonymous.body).error, 'session_missing')
})

test('a Next-Action header opens no protected path: a POST route handler is reached with a session only', { skip: SKIP }, async () => {
  const headers = { accept: 'text/x-component', 'next-action': 'x', 'content-type': 'text/plain;charset=UTF-8', 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin' }
  const anonymous = await new Browser(base).post('/api/me', headers, Buffer.from('[]'))
  assert.equal(anonymous.status, 401, anonymous.body.slice(0, 300))
  assert.equal(JSON.parse(anonymous.body).error, 'session_missing')
  const plain = await new Browser(base).post('/api/me', { ...FETCH, 'content-type': 'application/json' }, Buffer.from('{}'))
  assert.equal(plain.status, 401)
  const browser = new Browser(base)
  await logIn(browser, 'poster')
  const posted = await browser.post('/api/me', headers, Buffer.from('[]'))
  assert.equal(posted.status, 200, posted.body.slice(0, 300))
  assert.deepEqual(JSON.parse(posted.body), { posted: true, user: 'usr_poster' })
})
