//! The bytes of each connection, for the three answers that actix-http writes by itself.
//!
//! Before any service of ours runs, actix-http's HTTP/1 dispatcher answers a request head it
//! cannot parse (400), one past its 128 KiB buffer or 96 headers (431), and a head that does not
//! arrive within the client request timeout (408), each with an empty body and no hook to change
//! it. Every other error of ours is problem+json with a stable code, and a caller should not
//! need a second way to read errors. So each connection's writes pass through [`ProblemWire`],
//! which recognises exactly those bodyless heads and writes the matching problem instead.
//!
//! Written by hand because no crate does it: the alternatives are a patched actix-http or a
//! proxy in front. It is safe because our own responses never carry these statuses without a
//! body: every error we send goes through [`ApiError`], which always has one.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::error::ApiError;

/// A connection whose bodyless 400, 408 and 431 answers leave as problem+json.
pub struct ProblemWire<T> {
    io: T,
    /// A replacement answer not yet fully written, and how much of it is.
    pending: Vec<u8>,
    written: usize,
}

impl<T> ProblemWire<T> {
    pub fn new(io: T) -> Self {
        Self {
            io,
            pending: Vec::new(),
            written: 0,
        }
    }
}

impl<T: AsyncWrite + Unpin> ProblemWire<T> {
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemWire<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemWire<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        if let Some(replacement) = replacement_for(buf) {
            self.pending = replacement;
            // The whole original is taken; the replacement goes out now or on the next flush.
            if let Poll::Ready(Err(error)) = self.poll_pending(cx) {
                return Poll::Ready(Err(error));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// The problem+json answer for one of the dispatcher's bodyless error heads, or `None` for any
/// other write. `buf` must be exactly one response head with `content-length: 0`.
fn replacement_for(buf: &[u8]) -> Option<Vec<u8>> {
    let head = std::str::from_utf8(buf).ok()?;
    let rest = head
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| head.strip_prefix("HTTP/1.0 "))?;
    let error = match rest.get(..4)? {
        "400 " => ApiError::malformed_request(),
        "408 " => ApiError::head_timeout(),
        "431 " => ApiError::request_head_too_large(),
        _ => return None,
    };
    let head = head.strip_suffix("\r\n\r\n")?;
    if head.contains("\r\n\r\n") {
        return None; // more than one head, or a body: not the dispatcher's own answer
    }
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let headers: Vec<&str> = lines.collect();
    let is_empty = headers
        .iter()
        .any(|line| line.eq_ignore_ascii_case("content-length: 0"));
    if !is_empty {
        return None;
    }
    let body = error.problem_json();
    let mut out = format!(
        "{status_line}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for line in headers {
        let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "content-length" | "content-type" | "connection"
        ) {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    // The dispatcher closes the connection after each of these answers.
    out.push_str("connection: close\r\n\r\n");
    out.push_str(&body);
    Some(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replaced(head: &str) -> Option<String> {
        replacement_for(head.as_bytes()).map(|bytes| String::from_utf8(bytes).unwrap())
    }

    #[test]
    fn the_dispatchers_bodyless_errors_become_problems() {
        let timeout = replaced(
            "HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\ndate: Mon, 07 Dec 2026 07:00:00 GMT\r\n\r\n",
        )
        .unwrap();
        assert!(
            timeout.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{timeout}"
        );
        assert!(timeout.contains("content-type: application/problem+json\r\n"));
        assert!(timeout.contains("date: Mon, 07 Dec 2026"));
        let (head, body) = timeout.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["code"], "head_timeout");
        assert_eq!(problem["status"], 408);

        let large =
            replaced("HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n")
                .unwrap();
        assert!(large.contains("\"request_head_too_large\""));
        let bad = replaced("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").unwrap();
        assert!(bad.contains("\"malformed_request\""));
    }

    #[test]
    fn every_other_write_passes_unchanged() {
        // Our own problems carry a body; other statuses and body chunks are never touched.
        assert_eq!(
            replaced("HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n"),
            None
        );
        assert_eq!(
            replaced("HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}"),
            None
        );
        assert_eq!(
            replaced("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"),
            None
        );
        assert_eq!(replaced("HTTP/1.1 408 Request Timeout\r\n"), None);
        assert_eq!(replaced("{\"code\":\"x\"}"), None);
        assert_eq!(replacement_for(&[0xff, 0xfe, 0x00]), None);
    }
}
