'use strict'
// Express integration (Express 4 and 5): login, signup, callback and logout routes,
// and middleware that protects routes. Every decision comes from the Rust session
// engine; this file only moves it between Express objects and the engine.
//
//   const { createScalekitExpress } = require('scalekit-auth/express')
//   const auth = createScalekitExpress()          // from SCALEKIT_* variables
//   app.use(auth.router)                          // /auth/login, /auth/signup, /auth/callback, /auth/logout
//   app.get('/dashboard', auth.requireAuth(), (req, res) => res.send(req.auth.user.email))

const { createEngine, reporter, MAX_BACKCHANNEL_BODY } = require('./adapter.js')

function requestParts(req) {
  const h = req.headers
  return {
    method: req.method,
    pathAndQuery: req.originalUrl || req.url,
    cookie: h.cookie,
    authorization: h.authorization,
    accept: h.accept,
    secFetchMode: h['sec-fetch-mode'],
    secFetchSite: h['sec-fetch-site'],
  }
}

// The form body of the provider's back-channel logout POST, as text: from a body parser
// that ran before (express.urlencoded()), or read here, up to MAX_BACKCHANNEL_BODY.
function formBody(req) {
  if (req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) {
    return Promise.resolve(new URLSearchParams(req.body).toString())
  }
  if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) return Promise.resolve(String(req.body))
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    req.on('data', (chunk) => {
      size += chunk.length
      if (size > MAX_BACKCHANNEL_BODY) {
        // Discard the rest, so the 413 reaches a client still sending.
        req.removeAllListeners('data')
        req.resume()
        reject(Object.assign(new Error('the back-channel logout body is too large'), { status: 413 }))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

// Cookies are written at once, before the route runs: a route that fails (next(err), a
// throw) still answers with the refreshed session.
function writeCookies(res, decision) {
  for (const cookie of decision.setCookies) res.append('Set-Cookie', cookie)
}

// A redirect or an answer, exactly as the engine wrote it: status, headers, body.
function respond(res, decision) {
  writeCookies(res, decision)
  res.status(decision.status)
  for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value)
  res.end(decision.body ?? '')
}

/**
 * Sessions for one Express app. Without `environmentUrl` and `redirectUri` the settings
 * come from the SCALEKIT_* environment variables. `express` may be passed to use a
 * specific copy of Express. `onError(error, req)` hears the error behind every decision
 * (refusals, redirects to log in, optional routes without a user), with the details
 * that the response leaves out; by default those with a status >= 500 are logged.
 */
function createScalekitExpress(options = {}) {
  const prefix = options.prefix ?? '/auth'
  const { client, engine } = createEngine(options, prefix)
  const report = reporter(options.onError)

  const express = options.express ?? require('express')
  const router = express.Router()
  const route = (decide) => async (req, res, next) => {
    try {
      const decision = await decide(requestParts(req))
      report(decision, req)
      respond(res, decision)
    } catch (error) {
      next(error)
    }
  }
  router.get(`${prefix}/login`, route((parts) => engine.handleLogin(parts, false)))
  router.get(`${prefix}/signup`, route((parts) => engine.handleLogin(parts, true)))
  router.get(`${prefix}/callback`, route((parts) => engine.handleCallback(parts)))
  router.all(`${prefix}/logout`, route((parts) => engine.handleLogout(parts)))
  // The provider's back-channel logout (OpenID Back-Channel Logout): ends the sessions
  // a logout token names, on every instance sharing SCALEKIT_REDIS_URL.
  router.post(`${prefix}/backchannel-logout`, async (req, res, next) => {
    try {
      const decision = await engine.handleBackchannelLogout('POST', await formBody(req))
      report(decision, req)
      respond(res, decision)
    } catch (error) {
      if (error.status === 413) return res.status(413).json({ error: 'invalid_request' })
      next(error)
    }
  })

  const guard = (requirements) => async (req, res, next) => {
    try {
      const parts = requestParts(req)
      const decision = requirements === null
        ? await engine.optionalAuth(parts)
        : engine.tryRequireAuth(parts, requirements) ?? await engine.requireAuth(parts, requirements)
      report(decision, req)
      if (decision.kind !== 'continue') return respond(res, decision)
      writeCookies(res, decision)
      req.auth = decision.identity ?? undefined
    } catch (error) {
      return next(error)
    }
    next()
  }

  return {
    client,
    engine,
    router,
    /**
     * A signed-in user is required: a browser loading a page is sent to log in, every
     * other caller (fetch, API clients) gets 401 JSON.
     */
    requireAuth: () => guard({}),
    /** `req.auth` is set when a user is signed in; the route runs either way. */
    optionalAuth: () => guard(null),
    /** Every listed role is required (else 403 JSON `insufficient_scope`). */
    requireRoles: (...roles) => guard({ roles }),
    /** Every listed permission is required. */
    requirePermissions: (...permissions) => guard({ permissions }),
    /** Every listed scope is required (bearer-token APIs). */
    requireScopes: (...scopes) => guard({ scopes }),
  }
}

module.exports = { createScalekitExpress }
