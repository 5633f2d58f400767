'use server'
// A Server Action checks the session itself: an action can be posted to any path, and the
// proxy lets every action through (after refreshing the session), since the action's
// client can neither follow its redirect nor read a 401. auth.requireSession() here
// would redirect to log in; this one answers in the form instead.
import { auth } from '../lib/auth.js'

export async function echo(_previous, formData) {
  const session = await auth.getSession()
  if (!session) return { error: 'Not signed in.' }
  return { message: `${session.user.email ?? session.user.id} said: ${String(formData.get('message') ?? '')}` }
}
