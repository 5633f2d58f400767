//! The loopback server `login` waits on: a GET of the redirect URI's path is the
//! callback; any other request gets a 404. Connections are served side by side, as a
//! browser opens idle ones ahead of time.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use url::{Host, Url};

/// The most a request head may hold: a callback's query is a code and a state.
const MAX_HEAD: usize = 16 * 1024;
/// How long one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The query of the callback request, as name-value pairs.
pub type Callback = Vec<(String, String)>;

/// A listener on the redirect URI's host and port.
pub struct CallbackServer {
    callbacks: mpsc::Receiver<Callback>,
    accept: tokio::task::JoinHandle<()>,
}

impl CallbackServer {
    /// Listens where `redirect` points (`localhost` is 127.0.0.1) and serves its path.
    pub async fn bind(redirect: &Url) -> io::Result<Self> {
        let ip = match redirect.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            _ => IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        let port = redirect.port_or_known_default().unwrap_or(80);
        let listener = TcpListener::bind(SocketAddr::new(ip, port)).await?;
        let path = redirect.path().to_owned();
        let (sender, callbacks) = mpsc::channel(4);
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (sender, path) = (sender.clone(), path.clone());
                tokio::spawn(async move {
                    if let Ok(Some(callback)) = serve(stream, &path).await {
                        let _ = sender.send(callback).await;
                    }
                });
            }
        });
        Ok(CallbackServer { callbacks, accept })
    }

    /// The next callback, or `None` after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Callback> {
        tokio::time::timeout(wait, self.callbacks.recv()).await.ok().flatten()
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Reads one request; answers it; returns the callback's query when it was one.
async fn serve(mut stream: TcpStream, path: &str) -> io::Result<Option<Callback>> {
    let Ok(head) = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await else {
        return Ok(None);
    };
    let head = head?;
    let target = head.lines().next().and_then(|line| {
        let mut parts = line.split_whitespace();
        let method = parts.next()?;
        let target = parts.next()?;
        matches!(method, "GET" | "HEAD").then(|| target.to_owned())
    });
    let parsed = target.and_then(|t| Url::parse("http://localhost").ok()?.join(&t).ok());
    let Some(url) = parsed.filter(|u| u.path() == path) else {
        respond(
            &mut stream,
            "404 Not Found",
            "Not found",
            "This address only receives the sign-in callback.",
        )
        .await?;
        return Ok(None);
    };
    let query: Callback = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let failed = query.iter().find(|(k, _)| k == "error").map(|(_, v)| v.clone());
    match failed {
        Some(error) => {
            let body =
                format!("The provider answered <code>{}</code>. The terminal says more.", escape(&error));
            respond(&mut stream, "200 OK", "Sign-in failed", &body).await?;
        }
        None => {
            let body = "You can close this tab: the terminal shows the rest.";
            respond(&mut stream, "200 OK", "Signed in", body).await?;
        }
    }
    Ok(Some(query))
}

async fn read_head(stream: &mut TcpStream) -> io::Result<String> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || head.len() + n > MAX_HEAD {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

async fn respond(stream: &mut TcpStream, status: &str, title: &str, body: &str) -> io::Result<()> {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:system-ui;max-width:36rem;margin:3rem auto\"><h1>{title}</h1><p>{body}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncache-control: no-store\r\n\
         content-security-policy: default-src 'none'; style-src 'unsafe-inline'\r\nreferrer-policy: no-referrer\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{page}",
        page.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
