'use strict'
// Tests of this app as its developers write them: no Scalekit account, no browser. A
// local provider on 127.0.0.1 signs the tokens; `sessionCookieFor` seals a session with
// the app's own secret; supertest drives the app without a port.
//
//   npm test
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const request = require('supertest')
const { LocalProvider, sessionCookieFor } = require('scalekit-auth/testing')
const { createApp } = require('./app.js')

let provider
let app
before(async () => {
  provider = await new LocalProvider().start()
  app = createApp({
    environmentUrl: provider.url, clientId: provider.clientId, clientSecret: provider.clientSecret,
    redirectUri: 'http://localhost:3002/auth/callback', sessionSecret: 'example-tests-session-secret-0123456789',
  })
})
after(() => provider.stop())

test('signed out, pages lead to login and the API answers 401', async () => {
  await request(app).get('/dashboard').set('accept', 'text/html').set('sec-fetch-mode', 'navigate')
    .expect(302).expect('location', '/auth/login?return_to=%2Fdashboard')
  const answer = await request(app).get('/api/me').expect(401)
  assert.equal(answer.body.error, 'session_missing')
})

test('an admin sees the admin page; a viewer is refused', async () => {
  const admin = await sessionCookieFor(app.locals.auth, provider, { userId: 'usr_ada', roles: ['admin'] })
  await request(app).get('/admin').set('cookie', admin).expect(200, /administrator usr_ada/)

  const viewer = await sessionCookieFor(app.locals.auth, provider, { roles: ['viewer'], permissions: ['users:read'] })
  await request(app).get('/admin').set('cookie', viewer).set('accept', 'application/json').expect(403)
  const reports = await request(app).get('/api/reports').set('cookie', viewer).expect(200)
  assert.deepEqual(reports.body.reports, [])
})

test('a bearer token from the provider reaches the API', async () => {
  const token = provider.mint({ sub: 'usr_svc', permissions: ['users:read'] })
  const answer = await request(app).get('/api/reports').set('authorization', `Bearer ${token}`).expect(200)
  assert.equal(answer.body.for, 'usr_svc')
})
