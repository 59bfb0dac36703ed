//! Cursor pagination as a stream of items: the response's `next` goes back as `cursor`, the
//! other parameters stay, and the listing ends when `next` is absent or null (not when it is
//! 0). Pages are fetched lazily, one at a time, and only the current page is held.

use std::collections::HashSet;
use std::future::Future;

use futures::Stream;

use crate::CniError;

struct State<B, F, T> {
    builder: B,
    fetch: F,
    page: std::vec::IntoIter<T>,
    /// The cursor for the next fetch: `None` before the first page, then the last `next`.
    cursor: Option<i32>,
    started: bool,
    finished: bool,
    /// Set when the server repeated a cursor: reported after the current page's items.
    pending_error: Option<CniError>,
    seen: HashSet<i32>,
}

/// Streams every item of a listing. `fetch(builder, cursor)` sends one page request: with the
/// builder unchanged for the first page (`cursor` is `None`), then with `cursor` set. It
/// returns the page's items and its `next`. A server that returns a cursor it returned before
/// ends the stream with [`CniError::Pagination`] instead of looping.
pub fn paginate<B, F, Fut, T>(builder: B, fetch: F) -> impl Stream<Item = Result<T, CniError>>
where
    B: Clone,
    F: FnMut(B, Option<i32>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<i32>), CniError>>,
{
    let state = State {
        builder,
        fetch,
        page: Vec::new().into_iter(),
        cursor: None,
        started: false,
        finished: false,
        pending_error: None,
        seen: HashSet::new(),
    };
    futures::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.page.next() {
                return Some((Ok(item), state));
            }
            if let Some(error) = state.pending_error.take() {
                state.finished = true;
                return Some((Err(error), state));
            }
            if state.finished {
                return None;
            }
            let cursor = if state.started { state.cursor } else { None };
            state.started = true;
            match (state.fetch)(state.builder.clone(), cursor).await {
                Err(error) => {
                    state.finished = true;
                    return Some((Err(error), state));
                }
                Ok((items, next)) => {
                    state.page = items.into_iter();
                    match next {
                        None => state.finished = true,
                        Some(next) if !state.seen.insert(next) => {
                            state.pending_error = Some(CniError::Pagination(format!(
                                "the server returned cursor {next} a second time; stopping instead of looping"
                            )));
                        }
                        Some(next) => state.cursor = Some(next),
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn pages(script: Vec<(Vec<u32>, Option<i32>)>) -> Vec<Result<u32, String>> {
        let script = std::sync::Arc::new(std::sync::Mutex::new(script.into_iter()));
        let stream = paginate((), move |_, _| {
            let next = script.lock().unwrap().next();
            async move { next.ok_or_else(|| CniError::Pagination("script ran out".into())) }
        });
        futures::executor::block_on(stream.map(|r| r.map_err(|e| e.to_string())).collect())
    }

    #[test]
    fn follows_next_and_stops_on_null_not_zero() {
        let got = pages(vec![
            (vec![1, 2], Some(0)),
            (vec![3], Some(7)),
            (vec![4], None),
        ]);
        assert_eq!(got, vec![Ok(1), Ok(2), Ok(3), Ok(4)]);
    }

    #[test]
    fn a_repeated_cursor_ends_with_an_error_after_the_page() {
        let got = pages(vec![
            (vec![1], Some(5)),
            (vec![2], Some(6)),
            (vec![3], Some(5)),
        ]);
        assert_eq!(got[..3], [Ok(1), Ok(2), Ok(3)]);
        assert!(got[3]
            .as_ref()
            .unwrap_err()
            .contains("cursor 5 a second time"));
        assert_eq!(got.len(), 4);
    }
}
