// JSON for the signed-in user: a session cookie or `Authorization: Bearer <access token>`.
import { auth } from '../../../lib/auth.js'

export async function GET() {
  const session = await auth.requireSession({ api: true })
  if (session instanceof Response) return session   // 401 or 403 JSON
  return Response.json({ user: session.user, claims: session.claims, source: session.source })
}

// Records nothing, answers who posted: the proxy's `protect` rule for /api/me already
// required a session, whatever headers the request carries (a `Next-Action` header too).
export async function POST() {
  const session = await auth.getSession()
  return Response.json({ posted: true, user: session?.user.id ?? null })
}
