// The official SDK's validateAccessToken on every request, as the Scalekit templates do.
import { scalekit } from '../../lib/auth.js'

// Run on every request (never prerendered), like an endpoint that reads the request.
export const dynamic = 'force-dynamic'

export async function GET(request) {
  const token = (request.headers.get('authorization') ?? '').replace(/^Bearer /, '')
  if (!token || !(await scalekit().validateAccessToken(token))) {
    return Response.json({ error: 'unauthorized' }, { status: 401 })
  }
  return Response.json({ ok: true, user: null })
}
