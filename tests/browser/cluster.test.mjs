// Every example as a cluster: two instances of the app sharing one Redis
// (SCALEKIT_REDIS_URL) behind a round-robin balancer without stickiness, against a private
// local provider with 5-second access tokens. Chromium logs in through the balancer; 20
// concurrent requests with an expired access token, spread over both instances, cause
// exactly one refresh grant at the provider and all succeed; the browser keeps working
// after the next expiry; a back-channel logout sent by the provider to one instance ends
// the session on both; with Redis killed mid-run sessions go on, what needs Redis answers
// `store_unavailable` (no crash, no hang), and the cluster recovers once Redis is back.
//
//   node --test tests/browser/cluster.test.mjs      (BROWSER_EXAMPLES=express,axum picks)
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, it } from 'node:test'

import {
  ACCESS_TOKEN_TTL, forEachExample, freePort, launchChromium, screenshotDir, startApp, startIdp, startRedis,
  startRoundRobin,
} from './lib.mjs'

const STEP_TIMEOUT = 60_000
const NAV_TIMEOUT = 20_000
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

forEachExample((example) => `${example.label}: two instances, one Redis, a round-robin balancer`, 'runs as a cluster', clusterFlow)

function clusterFlow(example) {
  const run = { apps: [] }
  let failed = null
  const step = (title, fn) =>
    it(title, { timeout: STEP_TIMEOUT }, async () => {
      if (failed) assert.fail(`not run: the earlier step "${failed}" failed`)
      try {
        await fn()
      } catch (err) {
        failed = title
        if (run.page && !run.page.isClosed()) {
          await run.page.screenshot({ path: path.join(run.dir, 'FAILED.png'), fullPage: true }).catch(() => {})
        }
        throw err
      }
    })

  it('starts Redis, the provider, two instances of the app, the balancer and Chromium', { timeout: 150_000 }, async () => {
    try {
      run.dir = screenshotDir(`${example.name}-cluster`)
      run.balancer = await startRoundRobin()
      run.redis = await startRedis({ logFile: path.join(run.dir, 'redis.log') })
      run.idp = await startIdp({
        redirectUri: `${run.balancer.base}/auth/callback`,
        postLogoutUri: `${run.balancer.base}/`,
        logFile: path.join(run.dir, 'provider.log'),
      })
      for (const name of ['a', 'b']) {
        const app = await startApp(example, {
          port: await freePort(),
          idpUrl: run.idp.url,
          publicBase: run.balancer.base,
          env: { SCALEKIT_REDIS_URL: run.redis.url },
          logFile: path.join(run.dir, `app-${name}.log`),
        })
        run.apps.push(app)
        run.balancer.upstreams.push(app.base)
      }
      run.browser = await launchChromium()
      run.context = await run.browser.newContext()
      run.context.setDefaultTimeout(NAV_TIMEOUT)
      run.page = await run.context.newPage()
    } catch (err) {
      failed = 'start'
      throw err
    }
  })
  after(async () => {
    await run.browser?.close().catch(() => {})
    for (const app of run.apps) await app.stop()
    await run.balancer?.stop()
    await run.idp?.stop()
    await run.redis?.stop()
  }, { timeout: 30_000 })

  const url = (route) => `${run.balancer.base}${route}`
  const served = () => [...run.balancer.served]
  const bothServed = (before, what) => {
    const now = served()
    assert.ok(now[0] > (before[0] ?? 0) && now[1] > (before[1] ?? 0), `${what} reached both instances (${before} -> ${now})`)
  }
  const alive = () => {
    for (const app of run.apps) assert.equal(app.child.exitCode ?? app.child.signalCode, null, 'an instance exited')
  }
  /** The browser's cookies for the app, as a `Cookie` header. */
  const cookieHeader = async () =>
    (await run.context.cookies(run.balancer.base)).map((c) => `${c.name}=${c.value}`).join('; ')
  /** `/api/me` from the page (with the browser's cookies): `{status, body}`. */
  const fetchMe = () =>
    run.page.evaluate(async () => {
      const res = await fetch('/api/me', { headers: { accept: 'application/json' } })
      return { status: res.status, body: await res.text() }
    })

  /** Opens /dashboard; logs in at the provider when it asks. */
  async function openDashboard() {
    const { page } = run
    await page.goto(url('/dashboard'))
    if (page.url().startsWith(`${run.idp.url}/`)) {
      await page.locator('input[name=username]').fill('admin')
      await Promise.all([
        page.waitForURL(url('/dashboard'), { waitUntil: 'load' }),
        page.locator('form button[type=submit]').click(),
      ])
    }
    assert.equal(page.url(), url('/dashboard'))
    assert.match(await page.locator('body').innerText(), /admin@example\.com|Admin Local/)
  }

  step('logging in through the balancer shows the dashboard', async () => {
    const before = served()
    await openDashboard()
    await run.page.screenshot({ path: path.join(run.dir, '01-dashboard.png'), fullPage: true })
    bothServed(before, 'the login')
  })

  step('20 concurrent requests with an expired access token, on both instances, cause one refresh', async () => {
    await sleep((ACCESS_TOKEN_TTL + 1.5) * 1000)
    const cookie = await cookieHeader()
    const tokenCalls = await run.idp.count('/oauth/token')
    const before = served()
    const answers = await Promise.all(Array.from({ length: 20 }, async () => {
      const res = await fetch(url('/api/me'), { headers: { cookie, accept: 'application/json' } })
      return { status: res.status, body: await res.text(), cookies: res.headers.getSetCookie() }
    }))
    for (const answer of answers) {
      assert.equal(answer.status, 200, answer.body)
      assert.equal(JSON.parse(answer.body).user.email, 'admin@example.com')
      assert.ok(answer.cookies.some((c) => /skauth_session/.test(c)), 'each answer carries the refreshed session')
    }
    bothServed(before, 'the 20 requests')
    assert.equal((await run.idp.count('/oauth/token')) - tokenCalls, 1, 'exactly one refresh grant at the provider')
  })

  step('the browser, which never saw those answers, keeps working through the next expiry', async () => {
    // Its cookie still holds the rotated refresh token: the shared result covers it.
    let res = await run.page.reload()
    assert.equal(res.status(), 200)
    await sleep((ACCESS_TOKEN_TTL + 1.5) * 1000)
    const before = served()
    for (let i = 0; i < 2; i += 1) {
      res = await run.page.goto(url('/dashboard'))
      assert.equal(res.status(), 200)
      assert.equal(run.page.url(), url('/dashboard'))
    }
    bothServed(before, 'the page loads')
    await run.page.screenshot({ path: path.join(run.dir, '02-after-expiry.png'), fullPage: true })
  })

  step('a back-channel logout from the provider ends the session on both instances', async () => {
    const me = await fetchMe()
    assert.equal(me.status, 200, me.body)
    const { sid } = JSON.parse(me.body).claims
    assert.ok(sid, 'the access token names the provider session')
    const res = await fetch(`${run.idp.url}/__test/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: url('/auth/backchannel-logout'), sid }),
    })
    const sent = await res.json()
    assert.equal(sent.status, 200, `the app answered the logout token: ${JSON.stringify(sent)}`)
    // The same cookie on each instance (the browser drops it after the first refusal).
    const cookie = await cookieHeader()
    const before = served()
    for (let i = 0; i < 2; i += 1) {
      const res = await fetch(url('/api/me'), { headers: { cookie, accept: 'application/json' } })
      const body = await res.text()
      assert.equal(res.status, 401, body)
      assert.equal(JSON.parse(body).error, 'session_expired')
    }
    bothServed(before, 'the requests after the logout')
  })

  step('Redis killed mid-run: sessions go on, store_unavailable where Redis is needed, recovery', async () => {
    // A new browser: the provider session the logout named stays ended for this app
    // (the local provider itself does not end it), a new one gets a new `sid`.
    await run.context.close()
    run.context = await run.browser.newContext()
    run.context.setDefaultTimeout(NAV_TIMEOUT)
    run.page = await run.context.newPage()
    await openDashboard()
    assert.equal((await fetchMe()).status, 200)
    await run.redis.kill()
    // The access token is valid: the session is served without Redis.
    const valid = await fetchMe()
    assert.equal(valid.status, 200, valid.body)
    const { sid } = JSON.parse(valid.body).claims
    // What needs Redis answers with a clear error on both instances, in bounded time: the
    // provider's back-channel logout gets 503 `store_unavailable` (and will retry).
    for (let i = 0; i < 2; i += 1) {
      const started = Date.now()
      const res = await fetch(`${run.idp.url}/__test/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: url('/auth/backchannel-logout'), sid: `other-${sid}-${i}` }),
      })
      const sent = await res.json()
      assert.equal(sent.status, 503, JSON.stringify(sent))
      assert.equal(JSON.parse(sent.body).code, 'store_unavailable')
      assert.ok(Date.now() - started < 10_000, 'bounded by the store timeout')
    }
    // Past the token's expiry (within the validation leeway) the session goes on where
    // the request itself may refresh: a store outage never logs anyone out. Next.js
    // route handlers read the session read-only, which refuses an expired access token
    // until the proxy can refresh it again (the cookie is kept).
    await sleep((ACCESS_TOKEN_TTL + 1.5) * 1000)
    const readOnly = example.name === 'nextjs'
    for (let i = 0; i < 2; i += 1) {
      const answer = await fetchMe()
      assert.equal(answer.status, readOnly ? 401 : 200, answer.body)
    }
    alive()
    await run.redis.start()
    await sleep(2500) // past the second of failing fast (and of not refreshing)
    const tokenCalls = await run.idp.count('/oauth/token')
    const before = served()
    for (let i = 0; i < 2; i += 1) {
      const answer = await fetchMe()
      assert.equal(answer.status, 200, answer.body)
    }
    bothServed(before, 'the requests after Redis came back')
    assert.equal((await run.idp.count('/oauth/token')) - tokenCalls, 1, 'the postponed refresh happened, once')
    alive()
    await run.page.screenshot({ path: path.join(run.dir, '03-recovered.png'), fullPage: true })
  })
}
