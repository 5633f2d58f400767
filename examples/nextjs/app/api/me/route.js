// JSON for the signed-in user: a session cookie or `Authorization: Bearer <access token>`.
import { auth } from '../../../lib/auth.js'

export async function GET() {
  const session = await auth.requireSession({ api: true })
  if (session instanceof Response) return session   // 401 or 403 JSON
  return Response.json({ user: session.user, claims: session.claims, source: session.source })
}
