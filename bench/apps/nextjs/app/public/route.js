// No authentication: the baseline.

// Run on every request (never prerendered), like an endpoint that reads the request.
export const dynamic = 'force-dynamic'

export function GET() {
  return Response.json({ ok: true, user: null })
}
