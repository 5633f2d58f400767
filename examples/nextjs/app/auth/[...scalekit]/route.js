// /auth/login, /auth/signup, /auth/callback, /auth/logout (GET and POST) and
// /auth/backchannel-logout (POST, from the provider).
import { auth } from '../../../lib/auth.js'

export const { GET, POST } = auth.handlers
