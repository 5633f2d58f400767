import { auth } from '../../lib/auth.js'

export default async function Admin() {
  // The proxy answers 403 to users without the role; this checks again where it is used.
  const { user } = await auth.requireSession({ roles: ['admin'] })
  return <main><h1>Admin</h1><p>Welcome, administrator {user.id}.</p></main>
}
