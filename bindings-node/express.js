'use strict'
// Express integration (Express 4 and 5): login, signup, callback and logout routes,
// and middleware that protects routes. Every decision comes from the Rust session
// engine; this file only moves it between Express objects and the engine.
//
//   const { createScalekitExpress } = require('scalekit-auth/express')
//   const auth = createScalekitExpress()          // from SCALEKIT_* variables
//   app.use(auth.router)                          // /auth/login, /auth/signup, /auth/callback, /auth/logout
//   app.get('/dashboard', auth.requireAuth(), (req, res) => res.send(req.auth.user.email))

const native = require('./native.js')
const { ScalekitAuth } = require('./index.js')
const { translate } = require('./errors.js')

const SESSION_OPTIONS = [
  'postLogoutRedirectUri', 'scopes', 'cookieName', 'secureCookies', 'absoluteLifetimeSeconds',
  'idleTimeoutSeconds', 'refreshWindowSeconds',
]

function requestParts(req) {
  return {
    pathAndQuery: req.originalUrl || req.url,
    cookie: req.headers.cookie,
    authorization: req.headers.authorization,
    accept: req.headers.accept,
  }
}

function writeCookies(res, decision) {
  for (const cookie of decision.setCookies) res.append('Set-Cookie', cookie)
}

function respond(res, decision) {
  writeCookies(res, decision)
  if (decision.kind === 'redirect') {
    res.redirect(302, decision.location)
  } else {
    res.status(decision.status).type('application/json').send(decision.body)
  }
}

/**
 * Sessions for one Express app. Without `environmentUrl` and `redirectUri` the settings
 * come from the SCALEKIT_* environment variables. `express` may be passed to use a
 * specific copy of Express.
 */
function createScalekitExpress(options = {}) {
  const prefix = options.prefix ?? '/auth'
  const client = options.environmentUrl ? new ScalekitAuth(options) : ScalekitAuth.fromEnv(options)
  const sessionOptions = { loginPath: `${prefix}/login` }
  for (const key of SESSION_OPTIONS) if (options[key] !== undefined) sessionOptions[key] = options[key]
  const engine = translate(() => {
    if (!options.redirectUri) return native.NativeSessionEngine.fromEnv(client._native, sessionOptions)
    const secrets = Array.isArray(options.sessionSecret) ? options.sessionSecret : [String(options.sessionSecret ?? '')]
    return new native.NativeSessionEngine(client._native, options.redirectUri, secrets, sessionOptions)
  })

  const express = options.express ?? require('express')
  const router = express.Router()
  const route = (decide) => async (req, res, next) => {
    try {
      respond(res, await decide(requestParts(req)))
    } catch (error) {
      next(error)
    }
  }
  router.get(`${prefix}/login`, route((parts) => engine.handleLogin(parts, false)))
  router.get(`${prefix}/signup`, route((parts) => engine.handleLogin(parts, true)))
  router.get(`${prefix}/callback`, route((parts) => engine.handleCallback(parts)))
  router.all(`${prefix}/logout`, route((parts) => engine.handleLogout(parts)))

  const guard = (requirements) => async (req, res, next) => {
    try {
      const parts = requestParts(req)
      const decision = requirements === null
        ? await engine.optionalAuth(parts)
        : engine.tryRequireAuth(parts, requirements) ?? await engine.requireAuth(parts, requirements)
      if (decision.kind !== 'continue') return respond(res, decision)
      writeCookies(res, decision)
      req.auth = decision.identity ?? undefined
      next()
    } catch (error) {
      next(error)
    }
  }

  return {
    client,
    engine,
    router,
    /** A signed-in user is required: browsers are sent to log in, API callers get 401 JSON. */
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
