'use strict'
// Express integration (Express 4 and 5): login, signup, callback and logout routes,
// and middleware that protects routes. Every decision comes from the Rust session
// engine; this file only moves it between Express objects and the engine. It needs no
// copy of Express of its own: the routes are one plain middleware function.
//
//   const { createScalekitExpress } = require('scalekit-auth/express')
//   const auth = createScalekitExpress()          // from SCALEKIT_* variables
//   app.use(auth.router)                          // /auth/login, /auth/signup, /auth/callback, /auth/logout
//   app.use(auth.middleware())                    // req.auth on every route when signed in
//   app.get('/dashboard', auth.requireAuth(), (req, res) => res.send(req.auth.user.email))

const {
  callbackDecision, createClient, createEngine, decisionError, identityOf, readBody, reporter, MAX_BACKCHANNEL_BODY,
} = require('./adapter.js')
const { ConfigurationError, translateAsync } = require('./errors.js')

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
    purpose: h['sec-purpose'] ?? h.purpose,
  }
}

// The form body of the provider's back-channel logout POST, as text: from a body parser
// that ran before (express.urlencoded()), or read here, up to MAX_BACKCHANNEL_BODY.
function formBody(req) {
  if (req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) {
    return Promise.resolve(new URLSearchParams(req.body).toString())
  }
  if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) return Promise.resolve(String(req.body))
  return readBody(req, MAX_BACKCHANNEL_BODY, 'the back-channel logout body').then((body) => body.toString('utf8'))
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

/** Whether the engine answered with a page for a browser (not JSON for an API caller). */
function isPage(decision) {
  return String(decision.headers['content-type'] ?? '').startsWith('text/html')
}

/** The path of a URL without its query. */
function pathOfUrl(url) {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}

/** The path of a request below the app's mount point. */
function pathOf(req) {
  return typeof req.path === 'string' ? req.path : pathOfUrl(req.url ?? '/')
}

/**
 * Sessions for one Express app. Each setting not passed (`environmentUrl`, `clientId`,
 * `clientSecret`, `redirectUri`, `sessionSecret`) comes from its SCALEKIT_* variable.
 * `onError(error, req, res)` hears the error behind every decision (refusals, redirects
 * to log in, optional routes without a user), with the details the response leaves out;
 * for a refusal (status 400 or more) it also gets `res` and may answer itself (e.g.
 * `res.status(error.status).render('error', { error })`), else the built-in answer follows. By default errors with a status >= 500 are logged. With
 * `browserErrors: 'next'`, refusals of page loads go to `next(err)` (`err.code`,
 * `err.status`, `err.retryPath`) for the app's error middleware; API callers keep their
 * 401/403 JSON either way.
 */
/**
 * A middleware deciding each request with `decide(req)` (a decision or its promise): one
 * that continues sets `req.auth` and writes any refreshed cookies; any other goes to
 * `answer(decision, req, res, next)`, or with `lenient` lets the request on without a user.
 */
function protect(decide, answer, report, lenient = false) {
  return async (req, res, next) => {
    try {
      const decision = await decide(req)
      if (decision.kind !== 'continue') {
        if (!lenient) return await answer(decision, req, res, next)
        writeCookies(res, decision)
        req.auth = undefined
        return next()
      }
      await report(decision, req)
      writeCookies(res, decision)
      req.auth = identityOf(decision) ?? undefined
    } catch (error) {
      return next(error)
    }
    next()
  }
}

/** The error of a router mounted below a path its prefix leaves out: its redirects would miss. */
function mountedBelow(mount, prefix) {
  return new ConfigurationError(
    `invalid configuration: auth.router is mounted at ${JSON.stringify(mount)}, but its routes are at ` +
      `${JSON.stringify(prefix)}, so its redirects would miss them; pass prefix: ${JSON.stringify(mount + prefix)} ` +
      `(the redirect URI ending in ${mount + prefix}/callback)`,
    { code: 'invalid_config', status: 500 },
  )
}

function createScalekitExpress(options = {}) {
  const prefix = options.prefix ?? '/auth'
  const { client, engine } = createEngine(options, prefix)
  const report = reporter(options.onError)
  const browserErrors = options.browserErrors ?? 'page'
  if (browserErrors !== 'page' && browserErrors !== 'next') {
    throw new TypeError(`scalekit-auth: browserErrors must be 'page' or 'next', not ${JSON.stringify(browserErrors)}`)
  }

  // Answers a decision that does not continue: the app's onError answer, `next(err)` for
  // a page load with browserErrors 'next', else the engine's redirect, page or JSON.
  async function answer(decision, req, res, next) {
    // Only a refusal may be answered by the app: not a redirect to log in, nor the page
    // that confirms a logout started elsewhere.
    const refusal = decision.isRefusal
    await report(decision, req, ...(refusal ? [res] : []))
    if (res.headersSent || res.writableEnded) return
    if (refusal && browserErrors === 'next' && isPage(decision)) {
      writeCookies(res, decision)
      return next(decisionError(decision))
    }
    respond(res, decision)
  }

  const routes = {
    '/login': { methods: ['GET', 'HEAD'], decide: (parts) => engine.handleLogin(parts, false) },
    '/signup': { methods: ['GET', 'HEAD'], decide: (parts) => engine.handleLogin(parts, true) },
    '/callback': {
      methods: ['GET', 'HEAD'],
      decide: (parts, req, res) => callbackDecision(engine, parts, options.afterCallback, req, res),
    },
    '/logout': { methods: null, decide: (parts) => engine.handleLogout(parts) },
    // The provider's back-channel logout (OpenID Back-Channel Logout): ends the sessions
    // a logout token names, on every instance sharing SCALEKIT_REDIS_URL.
    '/backchannel-logout': {
      methods: ['POST'],
      decide: async (_parts, req) => engine.handleBackchannelLogout('POST', await formBody(req)),
    },
  }

  const routeAt = (path) => path.startsWith(`${prefix}/`) && Object.hasOwn(routes, path.slice(prefix.length))
    ? routes[path.slice(prefix.length)]
    : null

  // The auth routes as one middleware: other paths and methods pass to the next handler.
  // They are matched on the full path, the one the engine's redirects and the redirect
  // URI name, so the router works wherever it is mounted.
  async function router(req, res, next) {
    const route = routeAt(pathOfUrl(req.originalUrl || req.url || '/'))
    // Mounted below a path the prefix leaves out, the router's redirects would miss it:
    // a configuration error, told only when a request reaches one of its routes.
    const misplaced = req.baseUrl && prefix !== req.baseUrl && !prefix.startsWith(`${req.baseUrl}/`)
    if (!route && misplaced && routeAt(pathOf(req))) return next(mountedBelow(req.baseUrl, prefix))
    if (!route || (route.methods && !route.methods.includes(req.method))) return next()
    try {
      const decision = await route.decide(requestParts(req), req, res)
      // An afterCallback hook of an app with sessions of its own may have answered.
      if (res.headersSent || res.writableEnded) return
      if (decision.kind !== 'continue' && decision.errorCode != null) return await answer(decision, req, res, next)
      await report(decision, req)
      respond(res, decision)
    } catch (error) {
      if (error.status === 413) return res.status(413).json({ error: 'invalid_request' })
      next(error)
    }
  }

  // `requirements` null: optional; `lenient`: a bad bearer token does not stop the request.
  const guard = (requirements, lenient = false) => protect((req) => {
    const parts = requestParts(req)
    return requirements === null
      ? engine.optionalAuth(parts)
      : engine.tryRequireAuth(parts, requirements) ?? engine.requireAuth(parts, requirements)
  }, answer, report, lenient)

  return {
    client,
    engine,
    router,
    /**
     * Global middleware (`app.use(auth.middleware())`): `req.auth` on every route when
     * signed in, `undefined` otherwise; it never answers by itself (protected routes
     * still use `requireAuth()` and friends).
     */
    middleware: () => guard(null, true),
    /**
     * A signed-in user is required: a browser loading a page is sent to log in, every
     * other caller (fetch, API clients) gets 401 JSON.
     */
    requireAuth: () => guard({}),
    /** `req.auth` is set when a user is signed in; the route runs either way. */
    optionalAuth: () => guard(null),
    /** Every listed role is required (else 403: a page for a browser, JSON `insufficient_scope` otherwise). */
    requireRoles: (...roles) => guard({ roles }),
    /** Every listed permission is required. */
    requirePermissions: (...permissions) => guard({ permissions }),
    /** Every listed scope is required (bearer-token APIs). */
    requireScopes: (...scopes) => guard({ scopes }),
    /**
     * Ends every session of the user `userId` begun until now, on every instance sharing
     * the store: each is refused on its next request; a later login works as usual.
     */
    endSessionsFor: (userId) => translateAsync(() => engine.endSessionsFor(userId)),
  }
}

/**
 * Authorization for API services that take access tokens only: no redirect URI, no
 * session secret, no cookies, no routes. Settings not passed come from
 * SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET. A request
 * without a valid token gets 401, one without the requirements 403, as JSON with a
 * `WWW-Authenticate: Bearer` challenge; otherwise `req.auth` is the token's identity.
 *
 *   const api = createScalekitBearer()
 *   app.get('/reports', api.requireScopes('reports:read'), (req, res) => res.json([]))
 */
function createScalekitBearer(options = {}) {
  const client = createClient(options)
  const report = reporter(options.onError)
  const answer = async (decision, req, res) => {
    await report(decision, req, res)
    if (!res.headersSent && !res.writableEnded) respond(res, decision)
  }
  const guard = (requirements) => protect((req) => {
    const authorization = req.headers.authorization
    return client._native.tryAuthorizeBearer(authorization, requirements)
      ?? client._native.authorizeBearer(authorization, requirements)
  }, answer, report)
  return {
    client,
    /** A valid access token is required. */
    requireToken: () => guard({}),
    /** Every listed scope is required. */
    requireScopes: (...scopes) => guard({ scopes }),
    /** Every listed role is required. */
    requireRoles: (...roles) => guard({ roles }),
    /** Every listed permission is required. */
    requirePermissions: (...permissions) => guard({ permissions }),
  }
}

module.exports = { createScalekitExpress, createScalekitBearer }
