'use server'
// A Server Action: it reads the session like a page does (the proxy has refreshed it).
import { auth } from '../lib/auth.js'

export async function echo(_previous, formData) {
  const session = await auth.getSession()
  if (!session) return { error: 'Not signed in.' }
  return { message: `${session.user.email ?? session.user.id} said: ${String(formData.get('message') ?? '')}` }
}
