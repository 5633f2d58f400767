// scalekit-auth: the session cookie or `Authorization: Bearer`, 401 JSON otherwise.
import { auth } from '../../lib/auth.js'

// Run on every request (never prerendered), like an endpoint that reads the request.
export const dynamic = 'force-dynamic'

export async function GET() {
  const session = await auth.requireSession({ api: true })
  if (session instanceof Response) return session
  return Response.json({ ok: true, user: session.user.id })
}
