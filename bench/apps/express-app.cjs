'use strict'
// The Express app of the framework benchmark (bench/frameworks.mjs): one small JSON
// endpoint, unprotected and protected in each way compared. Settings from the SCALEKIT_*
// variables; the session secret of EOC_SECRET for express-openid-connect.
//
//   GET /public            no authentication
//   GET /session           scalekit-auth, session cookie
//   GET /bearer            scalekit-auth, Authorization: Bearer
//   GET /official          the official SDK's validateAccessToken on every request, as
//                          the Scalekit templates do (token from Authorization: Bearer)
//   GET /eoc/me            express-openid-connect's requiresAuth() (its appSession cookie)
//   GET /eoc/bench-session sets an express-openid-connect session for the benchmark
const express = require('express')
const { createScalekitBearer, createScalekitExpress } = require('scalekit-auth/express')
const { Scalekit } = require('@scalekit-sdk/node')
const { auth: openidConnect, requiresAuth } = require('express-openid-connect')

const app = express()
app.set('etag', false)
const auth = createScalekitExpress()
const api = createScalekitBearer()
app.use(auth.router)
const answer = (id) => ({ ok: true, user: id })

app.get('/public', (req, res) => res.json(answer(null)))
app.get('/session', auth.requireAuth(), (req, res) => res.json(answer(req.auth.user.id)))
app.get('/bearer', api.requireToken(), (req, res) => res.json(answer(req.auth.user.id)))

const scalekit = new Scalekit(process.env.SCALEKIT_ENVIRONMENT_URL, process.env.SCALEKIT_CLIENT_ID, process.env.SCALEKIT_CLIENT_SECRET)
app.get('/official', async (req, res) => {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '')
  if (!token || !(await scalekit.validateAccessToken(token))) return res.status(401).json({ error: 'unauthorized' })
  res.json(answer(null))
})

const eoc = express.Router()
eoc.use(openidConnect({
  authRequired: false,
  issuerBaseURL: process.env.SCALEKIT_ENVIRONMENT_URL,
  baseURL: `http://127.0.0.1:${process.env.PORT}/eoc`,
  clientID: process.env.SCALEKIT_CLIENT_ID,
  secret: process.env.EOC_SECRET,
}))
eoc.get('/bench-session', (req, res) => {
  Object.assign(req.appSession, { id_token: String(req.query.id_token), token_type: 'Bearer' })
  res.json({ ok: true })
})
eoc.get('/me', requiresAuth(), (req, res) => res.json(answer(req.oidc.user.sub)))
app.use('/eoc', eoc)

app.listen(Number(process.env.PORT), '127.0.0.1')
