'use strict'
// Error classes with a stable `.code`. The native module reports a core error as the
// JSON `{code, message, publicMessage, status, oauthError?, description?}` in the thrown
// error's message; `toScalekitError` turns that into the class of its family.

/**
 * Base class of every scalekit-auth error. `code` is stable; `status` is an HTTP hint;
 * on a thrown error `message` has the details for logs and `publicMessage` the short text
 * a client may see. The error an adapter hands to `onError` is the other way round: its
 * `message` is for the page and `detail` for logs (see `RefusalError`).
 */
class ScalekitAuthError extends Error {
  constructor(message, { code, status, publicMessage, oauthError, description, cause } = {}) {
    super(message, cause ? { cause } : undefined)
    this.name = new.target.name
    this.code = code
    this.status = status
    if (publicMessage !== undefined) this.publicMessage = publicMessage
    if (oauthError !== undefined) this.oauthError = oauthError
    if (description !== undefined) this.description = description
  }
}
class ConfigurationError extends ScalekitAuthError {}
class TokenError extends ScalekitAuthError {}
class TokenExpiredError extends TokenError {}
class InsufficientScopeError extends ScalekitAuthError {}
class WebhookVerificationError extends ScalekitAuthError {}
class SessionError extends ScalekitAuthError {}
class ProviderError extends ScalekitAuthError {}
/** The session store (Redis, `SCALEKIT_REDIS_URL`) could not be reached in time. */
class StoreError extends ScalekitAuthError {}
/**
 * The app refused a login: throw it from an `afterCallback` hook with the reason to show
 * the user (`throw new LoginDeniedError('Only Acme accounts can sign in here.')`).
 */
class LoginDeniedError extends SessionError {
  constructor(message = 'This sign-in is not allowed.', options = {}) {
    super(message, { code: 'login_denied', status: 403, ...options })
  }
}

// The error class of each family the core reports; `classForCode` looks a code's family up
// in the core's table. A family without a class here fails test/errors.test.mjs.
const FAMILY_CLASSES = {
  configuration: ConfigurationError,
  token: TokenError,
  token_expired: TokenExpiredError,
  insufficient_scope: InsufficientScopeError,
  webhook: WebhookVerificationError,
  session: SessionError,
  login_denied: LoginDeniedError,
  provider: ProviderError,
  store: StoreError,
}

let families
/** The error class of a code, by its family; the base class for a code the core does not know. */
function classForCode(code) {
  families ??= require('./binding.js').errorFamilies()
  return FAMILY_CLASSES[families[code]] ?? ScalekitAuthError
}

// napi-rs reports a JavaScript value of the wrong type with these codes.
const NAPI_ARGUMENT_CODES = new Set([
  'InvalidArg', 'ObjectExpected', 'StringExpected', 'NameExpected', 'FunctionExpected', 'NumberExpected',
  'BooleanExpected', 'ArrayExpected', 'BigintExpected', 'DateExpected', 'ArrayBufferExpected',
])

/** Converts an error thrown by the native module; other errors pass through. */
function toScalekitError(error) {
  if (error instanceof Error && NAPI_ARGUMENT_CODES.has(error.code)) {
    return new ConfigurationError(`invalid argument: ${error.message}`, {
      code: 'invalid_argument', status: 400, publicMessage: 'The request is invalid.', cause: error,
    })
  }
  if (!(error instanceof Error) || typeof error.message !== 'string' || !error.message.startsWith('{"code"')) {
    return error
  }
  let detail
  try {
    detail = JSON.parse(error.message)
  } catch {
    return error
  }
  const ErrorClass = FAMILY_CLASSES[detail.family] ?? ScalekitAuthError
  const { family: _family, ...fields } = detail
  return new ErrorClass(detail.message, fields)
}

/** Calls `fn`, rethrowing native errors as scalekit-auth errors. */
function translate(fn) {
  try {
    return fn()
  } catch (error) {
    throw toScalekitError(error)
  }
}

/** Calls `start` and awaits its promise, rethrowing native errors (thrown at once or
 * rejected later) as scalekit-auth errors. */
async function translateAsync(start) {
  try {
    return await start()
  } catch (error) {
    throw toScalekitError(error)
  }
}

/** Why scalekit-auth/web and scalekit-auth/next refuse the Edge runtime, and the fix. */
const EDGE_MESSAGE = 'scalekit-auth runs on the Node.js runtime, not the Edge runtime (it is a native module): add ' +
  "`serverExternalPackages: ['scalekit-auth']` to next.config, use proxy.ts (Next 16, always Node.js) or " +
  "`export const config = { runtime: 'nodejs' }` in middleware.ts (Next 15), remove `export const runtime = 'edge'`, " +
  'and never import it from a Client Component'

module.exports = {
  EDGE_MESSAGE,
  ScalekitAuthError, ConfigurationError, TokenError, TokenExpiredError, InsufficientScopeError,
  WebhookVerificationError, SessionError, ProviderError, StoreError, LoginDeniedError, FAMILY_CLASSES, classForCode,
  toScalekitError, translate, translateAsync,
}
