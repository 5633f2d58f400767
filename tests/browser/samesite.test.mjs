// A `SameSite=Strict` session cookie in a real browser: the provider sends the user back
// from another site, and a redirect continuing that navigation would carry no Strict
// cookie (the app would start a login again, forever). The callback lands through a
// page of the app's own, so the dashboard opens once, signed in.
//
// The app runs at http://localhost:PORT and the provider at http://127.0.0.1:PORT2: two
// different sites, as an app and Scalekit are.
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, it } from 'node:test'
import { fileURLToPath } from 'node:url'

import { freePort, launchChromium, screenshotDir, startApp, startIdp } from './lib.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const STRICT_APP = {
  name: 'strict-cookies',
  command: () => ({ file: process.execPath, args: [path.join(here, 'apps', 'strict-cookies.cjs')], cwd: here }),
}

const run = {}
before(async () => {
  run.dir = screenshotDir('strict-cookies')
  const port = await freePort()
  run.base = `http://localhost:${port}`
  run.idp = await startIdp({
    redirectUri: `${run.base}/auth/callback`,
    postLogoutUri: `${run.base}/`,
    logFile: path.join(run.dir, 'provider.log'),
  })
  run.app = await startApp(STRICT_APP, {
    port, idpUrl: run.idp.url, publicBase: run.base, logFile: path.join(run.dir, 'app.log'),
  })
  run.browser = await launchChromium()
}, { timeout: 120_000 })

after(async () => {
  await run.browser?.close().catch(() => {})
  await run.app?.stop()
  await run.idp?.stop()
}, { timeout: 30_000 })

it('a Strict session cookie signs the user in on the way back from the provider, without a login loop', { timeout: 60_000 }, async () => {
  assert.ok(new URL(run.idp.url).hostname !== 'localhost', 'the provider is on another site than the app')
  const context = await run.browser.newContext()
  context.setDefaultTimeout(20_000)
  const page = await context.newPage()
  const visited = []
  page.on('response', (res) => {
    if (res.request().isNavigationRequest() && res.frame() === page.mainFrame()) visited.push(`${res.status()} ${res.url()}`)
  })
  try {
    await page.goto(`${run.base}/dashboard`)
    assert.ok(page.url().startsWith(run.idp.url), page.url())
    await page.locator('input[name=username]').fill('admin')
    await Promise.all([
      page.waitForURL(`${run.base}/dashboard`, { waitUntil: 'load' }),
      page.locator('form button[type=submit]').click(),
    ])
    assert.match(await page.locator('body').innerText(), /Dashboard\s+Signed in as admin@/)
    assert.equal(await run.idp.count('/oauth/authorize'), 1, `one login only: ${visited.join(' → ')}`)
    const cookies = await context.cookies(run.base)
    const session = cookies.find((c) => c.name.endsWith('skauth_session'))
    assert.equal(session?.sameSite, 'Strict', JSON.stringify(cookies))
    // A later visit from this site keeps the session.
    assert.equal((await page.goto(`${run.base}/dashboard`)).status(), 200)
    await page.screenshot({ path: path.join(run.dir, '01-dashboard.png'), fullPage: true })
  } catch (err) {
    await page.screenshot({ path: path.join(run.dir, 'FAILED.png'), fullPage: true }).catch(() => {})
    throw new Error(`${err.message}\nnavigations: ${visited.join(' → ')}`, { cause: err })
  } finally {
    await context.close()
  }
})
