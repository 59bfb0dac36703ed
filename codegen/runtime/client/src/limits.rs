//! Caps on what the client accepts from a server: how many bytes of a body it reads, and where
//! a request may be redirected. A broken or hostile server must not make the client buffer
//! without bound, nor lead its credentials to another host.

use std::error::Error as StdError;

use http_body_util::BodyExt;

/// The default cap on a JSON (success or error) body: far above any real CNI answer (a page of
/// 1,000 CNIs is well under 1 MiB) and far below what would hurt a process.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// The default cap on a download (the LOA PDF, any non-JSON answer): hundreds of times any
/// real LOA, and a bound on what a broken or hostile server can make the client write to disk
/// (one that never ends its body wrote 3.5 GB in 4 s before this cap existed). Raise it, or
/// lift it with `max_download_bytes(None)`, for larger downloads.
pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 256 * 1024 * 1024;

/// A response body went over the client's limit; reading stopped there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the response body is larger than the client's limit of {limit} bytes")]
pub struct BodyTooLarge {
    /// The limit in force, in bytes.
    pub limit: u64,
}

type BoxError = Box<dyn StdError + Send + Sync>;

/// Replaces `response`'s body with one that fails with [`BodyTooLarge`] once more than `limit`
/// bytes have arrived. Nothing is read here: the body stays a stream, so a download is still
/// written to disk as it comes.
pub(crate) fn limit_body(response: reqwest::Response, limit: u64) -> reqwest::Response {
    use reqwest::ResponseBuilderExt;
    // A declared length within the limit is limit enough: hyper reads no more than a
    // Content-Length announces (HTTP/1.1 stops there, HTTP/2 fails a longer stream), and
    // the client decompresses nothing. Only a body without a length, or with a longer one,
    // needs the counting wrapper (and its allocations).
    if response
        .content_length()
        .is_some_and(|length| length <= limit)
    {
        return response;
    }
    let url = response.url().clone();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let limited = http_body_util::Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX))
        .map_err(move |error: BoxError| -> BoxError {
            if error.is::<http_body_util::LengthLimitError>() {
                Box::new(BodyTooLarge { limit })
            } else {
                error
            }
        });
    // The conversion drops the response's URL; carry it over as reqwest keeps it.
    if let Ok(with_url) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(with_url.into_parts().0.extensions);
    }
    reqwest::Response::from(http::Response::from_parts(
        parts,
        reqwest::Body::wrap(limited),
    ))
}

/// The [`BodyTooLarge`] somewhere in `error`'s chain of causes, if the limit is why it failed.
pub(crate) fn body_too_large(error: &(dyn StdError + 'static)) -> Option<BodyTooLarge> {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = cause {
        if let Some(too_large) = e.downcast_ref::<BodyTooLarge>() {
            return Some(*too_large);
        }
        cause = e.source();
    }
    None
}

/// Why a path parameter cannot be sent as it is.
pub(crate) fn path_segment_problem(value: &str) -> Option<&'static str> {
    // URL parsing resolves `.` and `..` segments, so such a value would send the request to
    // another endpoint; an empty one would address the collection instead. (`%` itself is
    // percent-encoded, so `%2e` stays a literal value.)
    match value {
        "" => Some("is empty"),
        "." | ".." => Some("is a dot segment, which would send the request to another endpoint"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_and_empty_values_are_refused() {
        for bad in ["", ".", ".."] {
            assert!(path_segment_problem(bad).is_some(), "{bad:?}");
        }
        for good in ["icon-1", "...", ".hidden", "a..b", "a/b", "%2e%2e"] {
            assert_eq!(path_segment_problem(good), None, "{good:?}");
        }
    }

    fn response(body: reqwest::Body) -> reqwest::Response {
        reqwest::Response::from(http::Response::new(body))
    }

    async fn read(response: reqwest::Response) -> Result<usize, Option<BodyTooLarge>> {
        match response.bytes().await {
            Ok(bytes) => Ok(bytes.len()),
            Err(error) => Err(body_too_large(&error)),
        }
    }

    #[tokio::test]
    async fn a_declared_length_within_the_limit_is_read_whole() {
        let limited = limit_body(response(vec![b'x'; 2000].into()), 2000);
        assert_eq!(limited.content_length(), Some(2000));
        assert_eq!(read(limited).await, Ok(2000));
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_fails_at_the_limit() {
        let limited = limit_body(response(vec![b'x'; 2001].into()), 2000);
        assert_eq!(read(limited).await, Err(Some(BodyTooLarge { limit: 2000 })));
    }

    #[tokio::test]
    async fn a_body_without_a_length_is_counted_as_it_streams() {
        let chunks = (0..30).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 100]));
        let streamed = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
        let limited = limit_body(response(streamed), 2000);
        assert_eq!(read(limited).await, Err(Some(BodyTooLarge { limit: 2000 })));
        let chunks = (0..20).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 100]));
        let streamed = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
        assert_eq!(read(limit_body(response(streamed), 2000)).await, Ok(2000));
    }
}
