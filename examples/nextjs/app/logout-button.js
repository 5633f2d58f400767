// Logging out is a POST from this site's own page (a GET from another site only shows a
// confirmation page).
export function LogoutButton() {
  return <form method="post" action="/auth/logout"><button type="submit">Log out</button></form>
}
