import { auth } from '../../lib/auth.js'
import { LogoutButton } from '../logout-button.js'
import { EchoForm } from './echo-form.js'

export default async function Dashboard() {
  // Required even though the proxy protects /dashboard: it makes the page dynamic and
  // private (never prerendered and cached for everyone), and checks where it is used.
  const { user, claims } = await auth.requireSession()
  const rows = [['Email', user.email], ['Organization', claims.oid], ['Roles', claims.roles.join(', ')],
    ['Permissions', claims.permissions.join(', ')], ['Access token expires at', claims.exp]]
  return (
    <main>
      <h1>Dashboard</h1>
      <p>Hello {user.name ?? user.id}</p>
      <ul>{rows.map(([name, value]) => <li key={name}>{name}: {String(value ?? '')}</li>)}</ul>
      <EchoForm />
      <LogoutButton />
    </main>
  )
}
