// /auth/login, /auth/signup, /auth/callback and /auth/logout (GET and POST).
import { auth } from '../../../lib/auth.js'

export const { GET, POST } = auth.handlers
