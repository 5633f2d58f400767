import { auth } from '../lib/auth.js'
import { LogoutButton } from './logout-button.js'

export default async function Home() {
  const session = await auth.getSession()
  return (
    <main>
      <h1>scalekit-auth on Next.js</h1>
      {session ? (
        <><p>Signed in as <b>{session.user.email ?? session.user.id}</b>.</p><LogoutButton /></>
      ) : (
        <><p>Not signed in.</p><p><a href="/auth/login">Log in</a> or <a href="/auth/signup">sign up</a></p></>
      )}
    </main>
  )
}
