export const metadata = { title: 'scalekit-auth on Next.js' }

const style = 'body{font-family:system-ui;max-width:42rem;margin:3rem auto}nav a{margin-right:1rem}'

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <head><style>{style}</style></head>
      <body>
        {/* Plain links: each is a page load, which the proxy checks like any other. */}
        <nav><a href="/">Home</a><a href="/dashboard">Dashboard</a><a href="/admin">Admin</a><a href="/api/me">API</a></nav>
        {children}
      </body>
    </html>
  )
}
