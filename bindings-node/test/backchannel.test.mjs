// Back-channel logout through the Express and Fetch adapters, the shared-store options,
// and the error class of `store_unavailable`.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'

import * as sk from '../index.mjs'
import { createScalekitExpress } from '../express.mjs'
import { createScalekitWeb } from '../web.mjs'
import { LocalProvider } from '../testing.mjs'

const require = createRequire(import.meta.url)
const express = require('express')
const SECRET = 'backchannel-test-session-secret-0123456789'
const REDIRECT = 'http://127.0.0.1:9/auth/callback'
const EVENT = { 'http://schemas.openid.net/event/backchannel-logout': {} }
let provider

before(async () => { provider = await new LocalProvider({ clientId: 'skc_bcl_node' }).start() })
after(() => provider.stop())

const options = (extra = {}) => ({
  environmentUrl: provider.url, clientId: provider.clientId, clientSecret: provider.clientSecret,
  redirectUri: REDIRECT, sessionSecret: SECRET, onError: () => {}, ...extra,
})
const logoutBody = (jti, claims = {}) =>
  `logout_token=${provider.mint({ sub: 'usr_1', sid: 'ses_1', jti, events: EVENT, oid: null, ...claims })}`

async function withServer(app, fn) {
  const server = http.createServer(app)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    await fn(`http://127.0.0.1:${server.address().port}`)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

const post = (url, body) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })

test('Express: a logout token is accepted once, bad ones get 400 with their code', async () => {
  for (const parsed of [false, true]) {
    const app = express()
    if (parsed) app.use(express.urlencoded({ extended: false }))
    const auth = createScalekitExpress(options())
    app.use(auth.router)
    await withServer(app, async (base) => {
      const body = logoutBody(`jti-express-${parsed}`)
      const ok = await post(`${base}/auth/backchannel-logout`, body)
      assert.equal(ok.status, 200, await ok.clone().text())
      assert.equal(ok.headers.get('cache-control'), 'no-store')
      assert.equal(ok.headers.get('set-cookie'), null)
      const again = await post(`${base}/auth/backchannel-logout`, body)
      assert.equal(again.status, 400)
      assert.equal((await again.json()).code, 'token_replayed')
      const wrongAudience = await post(`${base}/auth/backchannel-logout`, logoutBody('jti-aud', { aud: 'other' }))
      assert.equal((await wrongAudience.json()).code, 'token_invalid_audience')
      if (!parsed) {
        const huge = await post(`${base}/auth/backchannel-logout`, 'x'.repeat(70_000))
        assert.equal(huge.status, 413)
      }
    })
  }
})

test('Fetch adapter: the route takes POST only and answers the engine decision', async () => {
  const auth = createScalekitWeb(options())
  const url = 'http://app.test/auth/backchannel-logout'
  const request = (body, method = 'POST') => new Request(url, {
    method, body, headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
  const ok = await auth.handleAuth(request(logoutBody('jti-web')))
  assert.equal(ok.status, 200)
  const replay = await auth.handleAuth(request(logoutBody('jti-web')))
  assert.equal((await replay.json()).code, 'token_replayed')
  const get = await auth.handleAuth(new Request(url))
  assert.equal(get.status, 405)
  assert.equal(get.headers.get('allow'), 'POST')
  const huge = await auth.handleAuth(new Request(url, {
    method: 'POST', body: 'x'.repeat(70_000), headers: { 'content-length': '70000' },
  }))
  assert.equal(huge.status, 413)
  // A streamed body without a length is cut off at the limit too.
  const stream = new ReadableStream({
    pull(controller) { controller.enqueue(new TextEncoder().encode('x'.repeat(16_384))) },
  })
  const streamed = await auth.handleAuth(new Request(url, { method: 'POST', body: stream, duplex: 'half' }))
  assert.equal(streamed.status, 413)
})

test('store options: a bad URL is a configuration error, an unreachable Redis a StoreError', async () => {
  assert.throws(() => createScalekitWeb(options({ redisUrl: 'http://127.0.0.1:1' })),
    (e) => e instanceof sk.ConfigurationError && /redis:\/\//.test(e.message))
  const auth = createScalekitWeb(options({ redisUrl: 'redis://127.0.0.1:1/0', storeTimeoutMs: 300, serverSideSessions: true }))
  assert.equal(auth.engine.storeKind, 'redis')
  const answer = await auth.handleAuth(new Request('http://app.test/auth/backchannel-logout', {
    method: 'POST', body: logoutBody('jti-down'),
  }))
  assert.equal(answer.status, 503)
  assert.equal((await answer.json()).code, 'store_unavailable')
  assert.ok(sk.StoreError.prototype instanceof sk.ScalekitAuthError)
})
