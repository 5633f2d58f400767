// ESM entry point of scalekit-auth.
import cjs from './index.js'

export const {
  ScalekitAuth, ERROR_CODES, ScalekitAuthError, ConfigurationError, TokenError, TokenExpiredError,
  InsufficientScopeError, WebhookVerificationError, SessionError, ProviderError,
  StoreError, LoginDeniedError, setLogger,
} = cjs
export default cjs
