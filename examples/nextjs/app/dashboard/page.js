import { auth } from '../../lib/auth.js'
import { LogoutButton } from '../logout-button.js'
import { EchoForm } from './echo-form.js'

export default async function Dashboard() {
  // The proxy already sent anonymous visitors to log in; this redirects too if it did not run.
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
