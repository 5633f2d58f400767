// Real-browser tests of every example app: Chromium (through playwright-core) logs in at
// a private local provider's login page, sees the dashboard, outlives the access token and
// still gets the dashboard after the transparent refresh, opens the admin page as `admin`
// and is refused as `viewer`, logs out and finds the dashboard closed. A screenshot of
// each step lands in target/browser/<example>/NN-step.png.
//
//   node --test tests/browser/          (or: node tests/browser/run.mjs [example...])
//
// BROWSER_EXAMPLES=express,axum picks examples. The Next.js example runs once built
// (examples/nextjs/.next/BUILD_ID); unbuilt, the test says so loudly (a skip, or a failure
// when SCALEKIT_BROWSER_REQUIRE_ALL=1, as scripts/test.sh sets).
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, it } from 'node:test'

import { ACCESS_TOKEN_TTL, forEachExample, startRun } from './lib.mjs'

const STEP_TIMEOUT = 60_000
const NAV_TIMEOUT = 20_000
forEachExample((example) => example.label, 'runs in a real browser', browserFlow)

/** The steps, in order, sharing one run; after a failed step the rest fail too. */
function browserFlow(example) {
  let run
  let admin // the browser context (and page) logged in as admin
  let viewer
  let failed = null
  let shot = 0
  const screenshot = async (page, name) => {
    shot += 1
    const file = path.join(run.dir, `${String(shot).padStart(2, '0')}-${name}.png`)
    await page.screenshot({ path: file, fullPage: true })
    return file
  }
  const step = (title, fn) =>
    it(title, { timeout: STEP_TIMEOUT }, async () => {
      if (failed) assert.fail(`not run: the earlier step "${failed}" failed`)
      try {
        await fn()
      } catch (err) {
        failed = title
        for (const ctx of [admin, viewer]) {
          // A screenshot of where each browser was when the step failed.
          if (ctx?.page && !ctx.page.isClosed()) {
            await ctx.page.screenshot({ path: path.join(run.dir, `FAILED-${ctx.name}.png`), fullPage: true }).catch(() => {})
          }
        }
        throw err
      }
    })

  // Starting up is a test of its own (not a hook), so that a failure counts as one.
  it('starts a private provider, the app and Chromium', { timeout: 120_000 }, async () => {
    try {
      run = await startRun(example)
    } catch (err) {
      failed = 'start'
      throw err
    }
  })
  after(async () => {
    await run?.stop()
  }, { timeout: 30_000 })

  const app = (route) => `${run.base}${route}`
  const atIdp = (page) => page.url().startsWith(`${run.idp.url}/`)

  /** A new context and page; `responses` lists the main frame's document responses. */
  async function newUser(name) {
    const context = await run.browser.newContext({ viewport: { width: 1000, height: 720 } })
    context.setDefaultTimeout(NAV_TIMEOUT)
    context.setDefaultNavigationTimeout(NAV_TIMEOUT)
    const page = await context.newPage()
    const responses = []
    page.on('response', (res) => {
      if (res.request().isNavigationRequest() && res.frame() === page.mainFrame()) {
        responses.push({ url: res.url(), status: res.status() })
      }
    })
    return { name, context, page, responses }
  }

  /** Opens /dashboard signed out: lands on the provider's login page. */
  async function openLoginPage({ page }) {
    const res = await page.goto(app('/dashboard'))
    assert.ok(atIdp(page), `/dashboard signed out should lead to the provider, got ${page.url()}`)
    assert.equal(res.status(), 200, 'the login page answers 200')
    await page.locator('input[name=username]').waitFor({ state: 'visible' })
  }

  /** Types `username` into the provider's form, submits, and arrives at the dashboard. */
  async function logIn(user, username, shotName) {
    const { page } = user
    const field = page.locator('input[name=username]')
    await field.fill('')
    await field.pressSequentially(username, { delay: 20 })
    if (shotName) await screenshot(page, shotName)
    user.responses.length = 0
    await Promise.all([
      page.waitForURL(app('/dashboard'), { waitUntil: 'load' }),
      page.locator('form button[type=submit]').click(),
    ])
    const last = user.responses.at(-1)
    assert.equal(last?.url, app('/dashboard'))
    assert.equal(last.status, 200, 'the dashboard answers 200 after logging in')
  }

  /** The page's text, whitespace collapsed. */
  const textOf = async (page) => (await page.locator('body').innerText()).replace(/\s+/g, ' ')
  const shownExpiry = (text) => Number(text.match(/expires at:? ?(\d{9,})/i)?.[1] ?? NaN)

  step('signed out, /dashboard leads to the provider login page', async () => {
    admin = await newUser('admin')
    await openLoginPage(admin)
    await screenshot(admin.page, 'login-page')
  })

  let firstExpiry
  step('logging in as admin at the provider shows the dashboard', async () => {
    await logIn(admin, 'admin', 'login-form-filled')
    const text = await textOf(admin.page)
    assert.match(text, /Dashboard/)
    assert.match(text, /admin@example\.com|Admin Local/, 'the dashboard shows the user')
    firstExpiry = shownExpiry(text)
    await screenshot(admin.page, 'dashboard')
  })

  step('after the access token expires, reloading the dashboard refreshes transparently', async () => {
    // Wait past the token's lifetime (its expiry as the dashboard shows it, else the TTL).
    const until = Number.isFinite(firstExpiry) ? firstExpiry * 1000 + 1200 : Date.now() + (ACCESS_TOKEN_TTL + 1) * 1000
    const wait = until - Date.now()
    assert.ok(wait < (ACCESS_TOKEN_TTL + 5) * 1000, `the shown expiry ${firstExpiry} is not about ${ACCESS_TOKEN_TTL} s away`)
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const tokenCalls = await run.idp.count('/oauth/token')
    admin.responses.length = 0
    const res = await admin.page.reload()
    assert.equal(res.status(), 200, 'the dashboard answers 200 with an expired access token')
    assert.equal(admin.page.url(), app('/dashboard'))
    assert.deepEqual(admin.responses.map((r) => r.url), [app('/dashboard')], 'no detour through the provider')
    const text = await textOf(admin.page)
    assert.match(text, /admin@example\.com|Admin Local/, 'the dashboard still shows the user')
    assert.ok((await run.idp.count('/oauth/token')) > tokenCalls, 'the app refreshed at the provider token endpoint')
    if (Number.isFinite(firstExpiry)) {
      assert.ok(shownExpiry(text) > firstExpiry, `a new access token (expiry ${shownExpiry(text)} after ${firstExpiry})`)
    }
    await screenshot(admin.page, 'dashboard-after-refresh')
  })

  step('admin opens the admin page', async () => {
    const res = await admin.page.goto(app('/admin'))
    assert.equal(res.status(), 200)
    assert.equal(admin.page.url(), app('/admin'))
    assert.match(await textOf(admin.page), /administrator/i)
    await screenshot(admin.page, 'admin-allowed')
  })

  step('viewer, in a fresh browser context, is refused the admin page (403)', async () => {
    viewer = await newUser('viewer')
    await openLoginPage(viewer)
    await logIn(viewer, 'viewer')
    assert.match(await textOf(viewer.page), /viewer@example\.com|Viewer Local/)
    await screenshot(viewer.page, 'viewer-dashboard')
    const res = await viewer.page.goto(app('/admin'))
    assert.equal(res.status(), 403)
    assert.equal(viewer.page.url(), app('/admin'))
    assert.doesNotMatch(await textOf(viewer.page), /Welcome, administrator/i)
    await screenshot(viewer.page, 'viewer-admin-forbidden')
    await viewer.context.close()
    viewer = null
  })

  step('logging out from the dashboard ends the session', async () => {
    const { page } = admin
    await page.goto(app('/dashboard'))
    assert.equal(page.url(), app('/dashboard'))
    const logoutCalls = await run.idp.count('/oidc/logout')
    // Every example logs out with a same-origin POST form (a link would be a GET that
    // other sites could trigger too).
    const button = page.getByRole('button', { name: /log ?out|sign ?out/i })
    await button.first().click()
    // The app posts to the provider's logout, which may ask for a confirmation, and comes
    // back to the post-logout URL (the app's home page).
    const deadline = Date.now() + NAV_TIMEOUT
    let confirmed = false
    for (;;) {
      await page.waitForLoadState('load').catch(() => {})
      const url = new URL(page.url())
      if (url.origin === run.base && url.pathname === '/') break
      assert.ok(Date.now() < deadline, `logging out did not come back to the app, stuck at ${page.url()}`)
      const confirm = page.getByRole('button', { name: /log ?out|sign ?out|yes|confirm|continue/i })
      if (!confirmed && (await confirm.count()) > 0 && (await confirm.first().isVisible())) {
        await screenshot(page, 'logout-confirmation')
        confirmed = true
        await confirm.first().click().catch(() => {}) // the page may move on by itself meanwhile
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    assert.ok((await run.idp.count('/oidc/logout')) > logoutCalls, 'the app sent the browser to the provider logout')
    const cookies = await admin.context.cookies(run.base)
    assert.deepEqual(cookies.filter((c) => c.name.includes('skauth')).map((c) => c.name), [], 'no session cookie left')
    assert.doesNotMatch(await textOf(page), /Signed in as/i)
    await screenshot(page, 'logged-out')
  })

  step('after logging out, /dashboard lands on the provider login page', async () => {
    const { page } = admin
    const res = await page.goto(app('/dashboard'))
    assert.ok(atIdp(page), `expected the provider login page, got ${page.url()}`)
    assert.equal(res.status(), 200)
    await page.locator('input[name=username]').waitFor({ state: 'visible' })
    await screenshot(page, 'dashboard-closed')
    await admin.context.close()
    admin = null
  })
}
