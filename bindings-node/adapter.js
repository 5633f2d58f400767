'use strict'
// What every framework adapter (express.js, web.js) needs besides moving requests and
// responses: the client and session engine from options or SCALEKIT_* variables, and
// the `onError` reporting of the error behind a decision.

const native = require('./binding.js')
const { ScalekitAuth } = require('./index.js')
const { classForCode, translate } = require('./errors.js')

const SESSION_OPTIONS = [
  'postLogoutRedirectUri', 'scopes', 'cookieName', 'secureCookies', 'absoluteLifetimeSeconds',
  'idleTimeoutSeconds', 'refreshWindowSeconds', 'redisUrl', 'serverSideSessions', 'storeTimeoutMs',
]

/** The most a back-channel logout request body may hold: a logout token is a few kilobytes. */
const MAX_BACKCHANNEL_BODY = 64 * 1024

/** The client and session engine of `options`, or of the SCALEKIT_* variables. */
function createEngine(options, prefix) {
  const client = options.environmentUrl ? new ScalekitAuth(options) : ScalekitAuth.fromEnv(options)
  const sessionOptions = { loginPath: `${prefix}/login` }
  for (const key of SESSION_OPTIONS) if (options[key] !== undefined) sessionOptions[key] = options[key]
  const engine = translate(() => {
    if (!options.redirectUri) return native.NativeSessionEngine.fromEnv(client._native, sessionOptions)
    const secrets = Array.isArray(options.sessionSecret) ? options.sessionSecret : [String(options.sessionSecret ?? '')]
    return new native.NativeSessionEngine(client._native, options.redirectUri, secrets, sessionOptions)
  })
  return { client, engine }
}

/** The default `onError`: errors the server should hear about (status >= 500). */
function logServerErrors(error) {
  if (error.status >= 500) console.error(`scalekit-auth: ${error.code}: ${error.message}`)
}

/**
 * A function handing the error behind a decision, with the details the response leaves
 * out, to `onError(error, request)`; a hook that throws is logged, never rethrown.
 */
function reporter(onError) {
  const hook = onError ?? logServerErrors
  return (decision, request) => {
    if (decision.errorCode == null) return
    const ErrorClass = classForCode(decision.errorCode)
    const error = new ErrorClass(decision.errorDetail, { code: decision.errorCode, status: decision.errorStatus })
    try {
      hook(error, request)
    } catch (hookError) {
      console.error('scalekit-auth: onError threw', hookError)
    }
  }
}

module.exports = { createEngine, reporter, MAX_BACKCHANNEL_BODY }
