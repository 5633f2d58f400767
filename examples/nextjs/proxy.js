// The one place where sessions are refreshed and cookies rewritten (Next 16 proxy, on
// the Node.js runtime). Protected pages send a browser to log in, /api/me answers 401
// JSON, /admin needs the `admin` role; every other page gets a refreshed session too.
import { auth } from './lib/auth.js'

export const proxy = auth.proxy({
  protect: ['/dashboard/:path*', '/api/me', { path: '/admin/:path*', roles: ['admin'] }],
})

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
}
