'use strict'
// What every framework adapter (express.js, web.js) needs besides moving requests and
// responses: the client and session engine from options or SCALEKIT_* variables, and
// the `onError` reporting of the error behind a decision.

const native = require('./binding.js')
const { ScalekitAuth, setLogger } = require('./index.js')
const { ConfigurationError, LoginDeniedError, classForCode, translate } = require('./errors.js')

// The session options an adapter passes on, named by the core's table (camelCase); the
// routes' own paths come from the adapter's `prefix` instead.
const SESSION_OPTIONS = native.sessionOptionNames().filter((name) => name !== 'loginPath' && name !== 'callbackPath')

// Each setting passed in code wins over its SCALEKIT_* variable, one by one: passing only
// `redirectUri` keeps the session secret of the environment.
const CLIENT_VARS = {
  environmentUrl: 'SCALEKIT_ENVIRONMENT_URL', clientId: 'SCALEKIT_CLIENT_ID', clientSecret: 'SCALEKIT_CLIENT_SECRET',
}
const SESSION_VARS = { redirectUri: 'SCALEKIT_REDIRECT_URI', sessionSecret: 'SCALEKIT_SESSION_SECRET' }

/** The most a back-channel logout request body may hold: a logout token is a few kilobytes. */
const MAX_BACKCHANNEL_BODY = 64 * 1024

/** The client of `options`, each of its settings falling back to its SCALEKIT_* variable. */
function createClient(options) {
  if (options.logger !== undefined) setLogger(options.logger)
  const given = Object.keys(CLIENT_VARS).filter((key) => options[key] != null)
  if (given.length === 0) return ScalekitAuth.fromEnv(options)
  return new ScalekitAuth({ ...options, ...requiredSettings(options, CLIENT_VARS) })
}

/**
 * The settings named by `vars` (option name → variable name), each from `options` or else
 * its variable; a missing one is a ConfigurationError naming both.
 */
function requiredSettings(options, vars) {
  const settings = {}
  for (const [key, name] of Object.entries(vars)) {
    settings[key] = options[key] ?? process.env[name]
    if (settings[key] == null || settings[key] === '') {
      throw new ConfigurationError(`invalid configuration: ${key} is not set; pass it or set ${name}`, {
        code: 'invalid_config', status: 500,
      })
    }
  }
  return settings
}

/** The SCALEKIT_* variables of the environment, overlaid with the settings of `options`. */
function sessionVars(options) {
  const vars = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('SCALEKIT_') && value !== undefined) vars[name] = value
  }
  if (options.redirectUri != null) vars[SESSION_VARS.redirectUri] = String(options.redirectUri)
  if (options.sessionSecret != null) {
    const secrets = Array.isArray(options.sessionSecret) ? options.sessionSecret.map(String) : [String(options.sessionSecret)]
    // The variable lists secrets comma-separated, as the environment does.
    if (secrets.some((secret) => secret.includes(','))) {
      throw new ConfigurationError('invalid configuration: a session secret may not contain a comma', {
        code: 'invalid_config', status: 500,
      })
    }
    vars[SESSION_VARS.sessionSecret] = secrets.join(',')
  }
  return vars
}

/**
 * The client and session engine of `options`, each setting falling back to its SCALEKIT_*
 * variable; `prefix` is where the auth routes are served (the redirect URI must end with
 * its callback path).
 */
function createEngine(options, prefix) {
  const client = createClient(options)
  const sessionOptions = { loginPath: `${prefix}/login`, callbackPath: `${prefix}/callback` }
  for (const key of SESSION_OPTIONS) if (options[key] !== undefined) sessionOptions[key] = options[key]
  const engine = translate(() => native.NativeSessionEngine.fromVars(client._native, sessionVars(options), sessionOptions))
  return { client, engine }
}

/** The default `onError`: errors the server should hear about (status >= 500). */
function logServerErrors(error) {
  if (error.status >= 500) console.error(`scalekit-auth: ${error.code}: ${error.detail}`)
}

/**
 * The error behind a decision, as its class, for an error page of the app's own: a
 * `message` safe to show the user (a denied login's `reason`, the public message
 * otherwise), `code`, `status`, `publicMessage`, the details for logs as `detail`, and
 * for a failed login `retryPath` (the path that starts it again).
 */
function decisionError(decision) {
  const ErrorClass = classForCode(decision.errorCode)
  const error = new ErrorClass(decision.errorMessage, {
    code: decision.errorCode, status: decision.errorStatus, publicMessage: decision.errorPublicMessage,
  })
  error.detail = decision.errorDetail
  if (decision.errorReason != null) error.reason = decision.errorReason
  if (decision.retryPath != null) error.retryPath = decision.retryPath
  return error
}

/**
 * A function handing the error behind a decision, with the details the response leaves
 * out, to `onError(error, request, ...extra)`, and returning what the hook returned (an
 * answer of the app's own, awaited if a promise); a hook that throws is logged, never
 * rethrown, and answers `undefined`.
 */
function reporter(onError) {
  const hook = onError ?? logServerErrors
  const failed = (hookError) => {
    console.error('scalekit-auth: onError threw', hookError)
    return undefined
  }
  return (decision, request, ...extra) => {
    if (decision.errorCode == null) return undefined
    try {
      const answer = hook(decisionError(decision), request, ...extra)
      return answer && typeof answer.then === 'function' ? answer.then((a) => a, failed) : answer
    } catch (hookError) {
      return failed(hookError)
    }
  }
}

/**
 * The callback route's decision: with an `afterCallback(login, request, ...extra)` hook,
 * the login is exchanged first, the hook decides (its return value kept in the session, a
 * thrown LoginDeniedError refusing the login), and only then does the session open. An app
 * with sessions of its own (Modular SSO) returns `false` (having set its own cookie on
 * Express's `res`) or its own `Response` (Fetch API): no session opens, and that response
 * is `decision.ownResponse`.
 */
async function callbackDecision(engine, parts, afterCallback, request, ...extra) {
  if (!afterCallback) return engine.handleCallback(parts)
  const pending = await engine.beginCallback(parts)
  let appData = null
  let deny = null
  let ownSession = false
  let ownResponse = null
  const login = pending.result
  // Where the login was headed, for a hook that answers itself (a safe path of the app).
  if (login) login.returnTo = pending.returnTo
  if (login) {
    try {
      appData = (await afterCallback(login, request, ...extra)) ?? null
    } catch (error) {
      if (!(error instanceof LoginDeniedError)) throw error
      deny = error.message || 'This sign-in is not allowed.'
    }
  }
  if (appData === false || (typeof Response === 'function' && appData instanceof Response)) {
    ownSession = true
    ownResponse = appData === false ? null : appData
    appData = null
  }
  const decision = await engine.finishCallback(parts, pending, appDataJson(appData), deny, !ownSession)
  if (ownResponse && decision.errorCode == null) decision.ownResponse = ownResponse
  return decision
}

/** The hook's app data as JSON text: V8 measures what it can serialize, so data too deep
 * or cyclic is a TypeError naming the hook instead of a fault in the native side. */
function appDataJson(appData) {
  if (appData === null) return null
  if (typeof appData !== 'object' || Array.isArray(appData)) {
    throw new TypeError(`afterCallback must return an object (the app data kept in the session) or nothing, not ${Array.isArray(appData) ? 'an array' : typeof appData}`)
  }
  try {
    return JSON.stringify(appData)
  } catch (error) {
    throw new TypeError(`the app data afterCallback returned is not JSON: ${error.message}`, { cause: error })
  }
}

/**
 * The body of a Node request, read up to `max` bytes; past that the rest is discarded (so
 * a client still sending gets the answer) and the promise rejects with `status` 413.
 */
function readBody(req, max, what) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    req.on('data', (chunk) => {
      size += chunk.length
      if (size > max) {
        req.removeAllListeners('data')
        req.resume()
        reject(Object.assign(new Error(`${what} is too large`), { status: 413 }))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

// Identities by their JSON text. A session or an API client presents the same token on
// every request, and building its objects (user, claims) again each time would cost
// more than validating it: each distinct identity is parsed once, frozen, and handed to
// every request that carries it. The native side validates every request all the same
// (expiry, key, requirements); this only maps its answer to objects. Bounded: the oldest
// entry goes first when full.
const MAX_IDENTITIES = 1024
const identities = new Map()

/**
 * The identity a decision continues with (`null` for none): a frozen object, shared by
 * the requests that carry the same identity. Frozen because it is shared, and because
 * an app has no business changing what the token says.
 */
function identityOf(decision) {
  const text = decision.identityJson
  if (text == null) return null
  let identity = identities.get(text)
  if (identity === undefined) {
    // JSON.parse defines every key as an own property: a claim named __proto__ stays a claim.
    identity = deepFreeze(JSON.parse(text))
    if (identities.size >= MAX_IDENTITIES) identities.delete(identities.keys().next().value)
    identities.set(text, identity)
  }
  return identity
}

// Iterative: claims nest as deep as the token allows, deeper than a recursion should go.
function deepFreeze(root) {
  const pending = [root]
  while (pending.length > 0) {
    const value = pending.pop()
    Object.freeze(value)
    for (const key of Object.keys(value)) {
      const child = value[key]
      if (child !== null && typeof child === 'object') pending.push(child)
    }
  }
  return root
}

module.exports = {
  callbackDecision, createClient, createEngine, decisionError, deepFreeze, identityOf, readBody, reporter, requiredSettings,
  MAX_BACKCHANNEL_BODY,
}
