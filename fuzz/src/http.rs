//! The real router over loopback: each body POSTed to `/graphql` as a JSON client sends
//! it, on one kept-alive connection (a fresh one after the router closes it), with a small
//! HTTP/1.1 client of our own so every byte and every failure is visible.
//!
//! What counts as wrong: no HTTP answer (a dropped or reset connection, a timeout), an
//! answer that is not HTTP, or a 5xx without a GraphQL body (`{"errors": [...]}`), which is
//! what a crashed handler looks like from outside. A body over the router's size limit
//! may be answered with a reset instead of a 413 (the router stops reading it), so a
//! reset is accepted for those.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::Failure;

/// How long one exchange may take (Hive's own request timeout is 60 s by default).
const TIMEOUT: Duration = Duration::from_secs(70);
/// How long the router may take to load the supergraph at start.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A client for the router at one address.
pub struct Client {
    addr: SocketAddr,
    max_body: usize,
    connection: Mutex<Option<BufReader<TcpStream>>>,
}

/// One HTTP answer.
struct Answer {
    status: u16,
    body: Vec<u8>,
    close: bool,
}

impl Client {
    /// A client for the router at `addr`, whose body size limit is `max_body` bytes.
    pub fn new(addr: SocketAddr, max_body: usize) -> Self {
        Self {
            addr,
            max_body,
            connection: Mutex::new(None),
        }
    }

    /// POSTs `body` and checks the answer; returns its status.
    pub fn post(&self, body: &[u8]) -> Result<u16, Failure> {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let reused = connection.is_some();
        let mut answer = exchange(self.addr, &mut connection, body);
        if answer.is_err() && reused {
            // The router may close an idle kept-alive connection at any time; only a
            // failure on a fresh connection says something about this input.
            *connection = None;
            answer = exchange(self.addr, &mut connection, body);
        }
        let answer = match answer {
            Ok(answer) => answer,
            Err(err) if body.len() > self.max_body => {
                // Refused for its size, by closing the connection.
                *connection = None;
                let _ = err;
                return Ok(413);
            }
            Err(err) => {
                *connection = None;
                return Err(Failure(format!(
                    "the router gave no HTTP answer (a crashed handler drops the connection): {err}"
                )));
            }
        };
        if answer.close {
            *connection = None;
        }

        if answer.status >= 500 && !is_graphql_error(&answer.body) {
            return Err(Failure(format!(
                "the router answered {} without a GraphQL body: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body[..answer.body.len().min(500)])
            )));
        }
        Ok(answer.status)
    }
}

/// Waits until the router at `addr` answers `GET /readiness` with 200.
pub fn wait_until_ready(addr: SocketAddr) {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        let ready =
            TcpStream::connect_timeout(&addr, Duration::from_secs(1)).and_then(|mut stream| {
                stream.set_read_timeout(Some(Duration::from_secs(1)))?;
                stream.write_all(
                    b"GET /readiness HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                )?;
                let mut status = [0u8; 12];
                stream.read_exact(&mut status)?;
                Ok(&status == b"HTTP/1.1 200")
            });
        if matches!(ready, Ok(true)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the router at {addr} is not ready after {READY_TIMEOUT:?}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn exchange(
    addr: SocketAddr,
    connection: &mut Option<BufReader<TcpStream>>,
    body: &[u8],
) -> io::Result<Answer> {
    let stream = match connection {
        Some(stream) => stream,
        None => {
            let stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
            stream.set_read_timeout(Some(TIMEOUT))?;
            stream.set_write_timeout(Some(TIMEOUT))?;
            stream.set_nodelay(true)?;
            connection.insert(BufReader::new(stream))
        }
    };
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/graphql-response+json, application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    // The router may answer (413) and close before reading everything: read what it said.
    let written = stream.get_mut().write_all(&request);
    let answer = read_answer(stream);
    match (written, answer) {
        (_, Ok(answer)) => Ok(answer),
        (Err(err), Err(_)) | (Ok(()), Err(err)) => Err(err),
    }
}

fn read_answer(stream: &mut BufReader<TcpStream>) -> io::Result<Answer> {
    let status_line = read_line(stream)?;
    let status = parse_status(&status_line).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not an HTTP status line: {:?}",
                String::from_utf8_lossy(&status_line)
            ),
        )
    })?;
    let (mut length, mut chunked, mut close) = (None, false, false);
    loop {
        let line = read_line(stream)?;
        if line.is_empty() {
            break;
        }
        let line = String::from_utf8_lossy(&line).to_ascii_lowercase();
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        match (name.trim(), value.trim()) {
            ("content-length", value) => length = value.parse::<usize>().ok(),
            ("transfer-encoding", value) => chunked = value.contains("chunked"),
            ("connection", value) => close = value.contains("close"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let size_line = String::from_utf8_lossy(&read_line(stream)?).to_string();
            let size_hex = size_line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size_hex, 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            if size == 0 {
                // Trailers, then the blank line.
                while !read_line(stream)?.is_empty() {}
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            stream.read_exact(&mut body[start..])?;
            read_line(stream)?;
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        stream.read_exact(&mut body)?;
    } else {
        stream.read_to_end(&mut body)?;
        close = true;
    }
    Ok(Answer {
        status,
        body,
        close,
    })
}

/// One line without its CRLF; an error if the connection ends first.
fn read_line(stream: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    if stream.read_until(b'\n', &mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed before a complete answer",
        ));
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(line)
}

fn parse_status(line: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    parts.next()?.starts_with("HTTP/1.").then_some(())?;
    parts.next()?.parse().ok()
}

fn is_graphql_error(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|answer| {
            answer
                .get("errors")?
                .as_array()
                .map(|errors| !errors.is_empty())
        })
        .unwrap_or(false)
}

/// Serves an empty JWKS (`{"keys":[]}`) on a loopback port for the life of the process,
/// to any request: the router's key set, under which no token verifies.
pub fn serve_empty_jwks() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds a loopback port");
    let addr = listener.local_addr().expect("the listener has an address");
    std::thread::spawn(move || {
        const BODY: &str = r#"{"keys":[]}"#;
        for mut stream in listener.incoming().flatten() {
            // One request per connection: read the head, answer, close.
            let mut reader = BufReader::new(&mut stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{BODY}",
                BODY.len()
            );
        }
    });
    addr
}
