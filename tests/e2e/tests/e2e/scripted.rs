//! A scripted HTTP server on 127.0.0.1: answers from a queue (or a function), records requests.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Seen {
    /// The query's pairs, sorted.
    pub fn sorted_query(&self) -> Vec<(String, String)> {
        let mut pairs = self.query.clone();
        pairs.sort();
        pairs
    }

    /// The body as JSON, when it was JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A canned answer.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

pub fn json(status: u16, body: serde_json::Value) -> Canned {
    Canned {
        status,
        headers: vec![("content-type", "application/json".into())],
        body: body.to_string().into(),
    }
}

pub fn raw(status: u16, content_type: &str, body: impl AsRef<[u8]>) -> Canned {
    Canned {
        status,
        headers: vec![("content-type", content_type.to_string())],
        body: Bytes::copy_from_slice(body.as_ref()),
    }
}

impl Canned {
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }
}

type Responder = dyn Fn(&Seen) -> Canned + Send + Sync;

#[derive(Clone)]
pub struct Scripted {
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub base_url: String,
}

impl Scripted {
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The latest request.
    pub fn last(&self) -> Seen {
        self.requests().pop().expect("the server saw a request")
    }
}

/// Serves `answer` for each request, keeping a log of the requests.
pub async fn serve_fn(answer: impl Fn(&Seen) -> Canned + Send + Sync + 'static) -> Scripted {
    serve(true, answer).await
}

/// Serves `answer` for each request; `log` says whether to keep the requests (a memory test
/// must not, or the log is what grows).
pub async fn serve(
    log_requests: bool,
    answer: impl Fn(&Seen) -> Canned + Send + Sync + 'static,
) -> Scripted {
    let answer: Arc<Responder> = Arc::new(answer);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (log, answer) = (log.clone(), answer.clone());
            async move {
                let query = uri
                    .query()
                    .unwrap_or("")
                    .split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                let request = Seen {
                    method,
                    path: uri.path().to_string(),
                    query,
                    headers,
                    body,
                };
                let canned = answer(&request);
                if log_requests {
                    log.lock().unwrap().push(request);
                }
                let mut response: Response =
                    (StatusCode::from_u16(canned.status).unwrap(), canned.body).into_response();
                for (name, value) in canned.headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                response
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Scripted {
        seen,
        base_url: format!("http://{address}"),
    }
}

/// Serves the queued answers in order (then 599).
pub async fn serve_queue(answers: Vec<Canned>) -> Scripted {
    let queue = Mutex::new(VecDeque::from(answers));
    serve_fn(move |_| {
        queue
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| raw(599, "text/plain", "script ran out"))
    })
    .await
}
