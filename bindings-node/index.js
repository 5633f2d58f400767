'use strict'
// scalekit-auth: authentication for web apps on Scalekit, on a Rust core.
//
//   const { ScalekitAuth } = require('scalekit-auth')
//   const auth = new ScalekitAuth({ environmentUrl, clientId, clientSecret }) // no network call
//   const claims = await auth.validateAccessToken(token) // or throws a TokenError with .code

const native = require('./binding.js')
const errors = require('./errors.js')

const { translate, translateAsync } = errors

function toList(value, name) {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value
  throw new errors.ConfigurationError(`invalid argument: ${name} must be a string or an array of strings`, {
    code: 'invalid_argument', status: 400,
  })
}

function clientOptions(options = {}) {
  return {
    issuer: toList(options.issuer, 'issuer'),
    audience: toList(options.audience, 'audience'),
    leewaySeconds: options.leewaySeconds,
    jwksCacheTtlSeconds: options.jwksCacheTtlSeconds,
    jwksRefetchCooldownSeconds: options.jwksRefetchCooldownSeconds,
    httpTimeoutSeconds: options.httpTimeoutSeconds,
    maxTokenBytes: options.maxTokenBytes,
    verifiedTokenCacheSize: options.verifiedTokenCacheSize,
  }
}

function headerPairs(headers) {
  if (headers === null || headers === undefined) return []
  const entries = typeof headers.entries === 'function' && !Array.isArray(headers)
    ? Array.from(headers.entries())
    : Array.isArray(headers) ? headers : Object.entries(headers)
  return entries
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([name, value]) => [String(name), Array.isArray(value) ? value.join(', ') : String(value)])
}

function bodyBytes(payload) {
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8')
  if (payload instanceof Uint8Array) return payload
  throw new errors.ConfigurationError('payload must be the raw body as a string, Buffer or Uint8Array', {
    code: 'invalid_argument', status: 400,
  })
}

const LOG_METHODS = { error: 'error', warn: 'warn', info: 'info', debug: 'debug', trace: 'debug' }

/**
 * Sends the core's log events (login started and finished, refreshes, key fetches and
 * rotations, provider failures; never a token or secret) to `logger`: a function taking
 * `{ level, message }`, or an object with `error`/`warn`/`info`/`debug` methods
 * (`console`, pino, winston). `null` stops them. One logger per process: the last call
 * wins. `DEBUG=scalekit-auth` sets `console` at startup.
 */
function setLogger(logger) {
  if (logger == null || logger === false) return native.setLogger(null)
  // A logger that throws must not take the process down (the call comes from the
  // native side, where an exception would be fatal).
  const safely = (write) => (record) => {
    try {
      write(record)
    } catch {}
  }
  if (typeof logger === 'function') return native.setLogger(safely((record) => logger(record)))
  if (typeof logger !== 'object') {
    throw new errors.ConfigurationError('invalid argument: logger must be a function or an object with log methods', {
      code: 'invalid_argument', status: 400,
    })
  }
  return native.setLogger(safely(({ level, message }) => {
    const method = logger[LOG_METHODS[level] ?? 'info'] ?? logger.log
    if (typeof method === 'function') method.call(logger, `scalekit-auth: ${message}`)
  }))
}

/** Whether a `DEBUG` value (the `debug` package's syntax) names scalekit-auth. */
function debugEnabled(value) {
  let enabled = false
  for (const name of String(value ?? '').split(/[\s,]+/).filter(Boolean)) {
    const negated = name.startsWith('-')
    const pattern = new RegExp(`^${(negated ? name.slice(1) : name).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`)
    if (pattern.test('scalekit-auth')) enabled = !negated
  }
  return enabled
}

if (debugEnabled(process.env.DEBUG)) setLogger(console)

/**
 * A client of one Scalekit environment. Construction checks the configuration and makes
 * no network call; discovery and keys are fetched on first use. Share one instance.
 */
class ScalekitAuth {
  constructor(options = {}) {
    const { environmentUrl, clientId, clientSecret } = options
    this._native = translate(() => new native.NativeClient(
      String(environmentUrl ?? ''), String(clientId ?? ''), String(clientSecret ?? ''), clientOptions(options),
    ))
  }

  /** A client from SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET. */
  static fromEnv(options = {}) {
    const client = Object.create(ScalekitAuth.prototype)
    client._native = translate(() => native.NativeClient.fromEnv(clientOptions(options)))
    return client
  }

  /** The URL that sends a browser to log in (the official SDK's parameters). No network call. */
  getAuthorizationUrl(redirectUri, options = {}) {
    return translate(() => this._native.getAuthorizationUrl(redirectUri, options))
  }

  /** Starts a login with random state and nonce (unless given) and a PKCE S256 pair. */
  createLogin(redirectUri, options = {}) {
    return translate(() => this._native.createLogin(redirectUri, options))
  }

  /** Exchanges the callback's code for tokens and validates them all. */
  authenticateWithCode(code, redirectUri, options = {}) {
    return translateAsync(() => this._native.authenticateWithCode(code, redirectUri, options.codeVerifier, options.nonce))
  }

  /** Validates an access token; resolves to its claims or rejects with a TokenError. */
  async validateAccessToken(token) {
    const claims = translate(() => this._native.tryValidateAccessToken(String(token)))
    if (claims !== null) return JSON.parse(claims)
    return JSON.parse(await translateAsync(() => this._native.validateAccessToken(String(token))))
  }

  /** Validates an ID token (audience: the client id; `nonce` when given). */
  validateIdToken(token, options = {}) {
    return translateAsync(() => this._native.validateIdToken(String(token), options.nonce))
  }

  /** New tokens for a refresh token (which rotates: keep the returned one). */
  refreshAccessToken(refreshToken) {
    return translateAsync(() => this._native.refreshAccessToken(String(refreshToken)))
  }

  /** The provider's logout URL. No network call. */
  getLogoutUrl(options = {}) {
    return this._native.getLogoutUrl(options)
  }

  /** Verifies a webhook from Scalekit; returns true or throws WebhookVerificationError. */
  verifyWebhookPayload(secret, headers, payload) {
    return translate(() => this._native.verifyWebhookPayload(String(secret), headerPairs(headers), bodyBytes(payload)))
  }

  /** Like verifyWebhookPayload, with interceptor-* headers. */
  verifyInterceptorPayload(secret, headers, payload) {
    return translate(() => this._native.verifyInterceptorPayload(String(secret), headerPairs(headers), bodyBytes(payload)))
  }

  /** Validates an idp_initiated_login token and resolves to its hints. */
  getIdpInitiatedLoginClaims(token) {
    return translateAsync(() => this._native.getIdpInitiatedLoginClaims(String(token)))
  }

  /** A client-credentials access token, cached until shortly before it expires. */
  async getClientAccessToken() {
    return (await this.getClientToken()).accessToken
  }

  /** Like getClientAccessToken, with expiry and scopes. */
  getClientToken() {
    return translateAsync(() => this._native.getClientToken())
  }

  /** The signing-key cache (key ids, fetch attempts, last error code). */
  jwksStatus() {
    return this._native.jwksStatus()
  }
}

module.exports = {
  ScalekitAuth,
  ERROR_CODES: native.errorCodes(),
  ScalekitAuthError: errors.ScalekitAuthError,
  ConfigurationError: errors.ConfigurationError,
  TokenError: errors.TokenError,
  TokenExpiredError: errors.TokenExpiredError,
  InsufficientScopeError: errors.InsufficientScopeError,
  WebhookVerificationError: errors.WebhookVerificationError,
  SessionError: errors.SessionError,
  ProviderError: errors.ProviderError,
  StoreError: errors.StoreError,
  LoginDeniedError: errors.LoginDeniedError,
  setLogger,
  debugEnabled,
}
