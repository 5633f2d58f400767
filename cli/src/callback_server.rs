//! The loopback server `login` waits on: a GET of the redirect URI's path carrying this
//! login's `state` is the callback; any other request gets a 400 or 404 and is ignored,
//! so a web page or a stale tab cannot end the login. Connections are served side by
//! side (a browser opens idle ones ahead of time), at most [`MAX_CONNECTIONS`] at once.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use url::{Host, Url};

/// The most a request head may hold: a callback's query is a code and a state.
const MAX_HEAD: usize = 16 * 1024;
/// How long one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections served at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 32;

/// The query of the callback request, as name-value pairs.
pub type Callback = Vec<(String, String)>;

/// A listener on the redirect URI's host and port.
pub struct CallbackServer {
    callbacks: mpsc::Receiver<Callback>,
    accept: Vec<tokio::task::JoinHandle<()>>,
}

/// What a request must carry to be this login's callback.
struct Expected {
    path: String,
    state: String,
}

impl CallbackServer {
    /// Listens where `redirect` points and serves its path to the login of `state`.
    /// `localhost` listens on 127.0.0.1 and, where the machine has it, ::1: a browser
    /// may try either, and a port taken on one of them is taken.
    pub async fn bind(redirect: &Url, state: &str) -> io::Result<Self> {
        let port = redirect.port_or_known_default().unwrap_or(80);
        let mut listeners = Vec::new();
        match redirect.host() {
            Some(Host::Ipv4(ip)) => {
                listeners.push(TcpListener::bind(SocketAddr::new(IpAddr::V4(ip), port)).await?)
            }
            Some(Host::Ipv6(ip)) => {
                listeners.push(TcpListener::bind(SocketAddr::new(IpAddr::V6(ip), port)).await?)
            }
            _ => {
                listeners
                    .push(TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)).await?);
                match TcpListener::bind(SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port)).await {
                    Ok(listener) => listeners.push(listener),
                    Err(e) if e.kind() == io::ErrorKind::AddrInUse => return Err(e),
                    // No IPv6 loopback on this machine: 127.0.0.1 alone is reachable.
                    Err(_) => {}
                }
            }
        }
        let (sender, callbacks) = mpsc::channel(4);
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let expected = Arc::new(Expected { path: redirect.path().to_owned(), state: state.to_owned() });
        let accept = listeners
            .into_iter()
            .map(|listener| {
                let (sender, slots, expected) = (sender.clone(), slots.clone(), expected.clone());
                tokio::spawn(async move {
                    loop {
                        let Ok(slot) = slots.clone().acquire_owned().await else { return };
                        let stream = match listener.accept().await {
                            Ok((stream, _)) => stream,
                            // Out of descriptors, a connection reset before accept: go on.
                            Err(_) => {
                                tokio::time::sleep(Duration::from_millis(50)).await;
                                continue;
                            }
                        };
                        let (sender, expected) = (sender.clone(), expected.clone());
                        tokio::spawn(async move {
                            if let Ok(Some(callback)) = serve(stream, &expected).await {
                                let _ = sender.send(callback).await;
                            }
                            drop(slot);
                        });
                    }
                })
            })
            .collect();
        Ok(CallbackServer { callbacks, accept })
    }

    /// The next callback, or `None` after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Callback> {
        tokio::time::timeout(wait, self.callbacks.recv()).await.ok().flatten()
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        for task in &self.accept {
            task.abort();
        }
    }
}

/// Reads one request; answers it; returns the callback's query when it was this login's.
async fn serve(mut stream: TcpStream, expected: &Expected) -> io::Result<Option<Callback>> {
    let Ok(head) = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await else {
        return Ok(None);
    };
    let head = head?;
    let target = head.lines().next().and_then(|line| {
        let mut parts = line.split_whitespace();
        let method = parts.next()?;
        let target = parts.next()?;
        (method == "GET").then(|| target.to_owned())
    });
    let parsed = target.and_then(|t| Url::parse("http://localhost").ok()?.join(&t).ok());
    let Some(url) = parsed.filter(|u| u.path() == expected.path) else {
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
    let state = query.iter().find(|(k, _)| k == "state").map(|(_, v)| v.as_bytes());
    if !state.is_some_and(|s| constant_time_eq(s, expected.state.as_bytes())) {
        // A stale tab, a reload, or a page of another site: not this login's answer.
        let body = "This is not the sign-in the terminal is waiting for: finish the one it printed.";
        respond(&mut stream, "400 Bad Request", "Not this sign-in", body).await?;
        return Ok(None);
    }
    let body = "You can close this tab: the terminal says whether the sign-in succeeded.";
    respond(&mut stream, "200 OK", "Back in the terminal", body).await?;
    Ok(Some(query))
}

/// Compares without an early exit, so the time taken says nothing about the state.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
