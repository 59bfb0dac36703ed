//! Cursor pagination: the response's `next` goes back as `cursor`, the other parameters stay,
//! and the listing ends when `next` is absent or null (not when it is 0). Pages are fetched
//! lazily, one at a time, and only the current page is held.
//!
//! [`Paginator`] hands out items, [`Pages`] whole pages. Both own what they need (a clone of
//! the client and the request's parameters), so they borrow nothing, are `Unpin` and `Send`,
//! and can be kept in a struct or moved to a task.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

use crate::CniError;

/// The most pages one listing fetches unless told otherwise ([`Paginator::max_pages`]): at the
/// API's largest page of 1,000 that is a million objects, beyond any account, and it bounds
/// what a server that keeps handing out new cursors can make a collect hold (one reached 1 GB
/// in 20 s) or a `--jsonl` print.
pub const DEFAULT_MAX_PAGES: u64 = 1_000;

/// How many empty pages in a row, each with a `next` cursor, end a listing with an error: a
/// server that keeps answering "nothing here, go on" is not making progress.
pub const MAX_EMPTY_PAGES_IN_A_ROW: u32 = 20;

/// One page request in flight: what a listing's fetch function returns.
pub type PageFuture<T> =
    Pin<Box<dyn Future<Output = Result<(Vec<T>, Option<i32>), CniError>> + Send + 'static>>;

type Fetch<T> = Box<dyn FnMut(Option<i32>) -> PageFuture<T> + Send + 'static>;

/// One page of a listing.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's items, in the server's order.
    pub items: Vec<T>,
    /// The cursor this page was fetched with (`None`: the listing's first page).
    pub cursor: Option<i32>,
    /// The cursor of the page after it (`None`: this was the last page).
    pub next: Option<i32>,
}

/// The pages of a listing, as a stream: [`Paginator::pages`].
///
/// A failed fetch is yielded as an `Err` and ends the stream; [`cursor`](Pages::cursor) then
/// names the page that failed, to start again from. A server that returns a cursor it
/// returned before ends the stream with [`CniError::Pagination`] after that page, instead of
/// looping; so does a listing that goes past its page bound ([`Paginator::max_pages`]) or
/// hands out [`MAX_EMPTY_PAGES_IN_A_ROW`] empty pages in a row.
pub struct Pages<T> {
    fetch: Fetch<T>,
    in_flight: Option<PageFuture<T>>,
    /// The cursor the next fetch is sent with.
    cursor: Option<i32>,
    /// A page handed back by [`Paginator::pages`] with items not yet yielded.
    held: Option<Page<T>>,
    finished: bool,
    /// Set when the server repeated a cursor: reported after that page.
    pending_error: Option<CniError>,
    seen: HashSet<i32>,
    /// Pages fetched so far, and the most this listing may fetch (`None`: no bound).
    fetched: u64,
    max_pages: Option<u64>,
    /// Empty pages with a `next`, in a row.
    empty_in_a_row: u32,
}

// Nothing in a `Pages` is structurally pinned: the future in flight is boxed.
impl<T> Unpin for Pages<T> {}

impl<T> Pages<T> {
    /// The cursor of the next page this stream fetches: after an error, the page that failed.
    /// `None` is the listing's first page, or nothing when [`is_done`](Pages::is_done).
    pub fn cursor(&self) -> Option<i32> {
        self.held.as_ref().map_or(self.cursor, |page| page.cursor)
    }

    /// Whether the listing has ended: its last page was yielded, or an error was.
    pub fn is_done(&self) -> bool {
        self.finished && self.held.is_none() && self.pending_error.is_none()
    }

    /// The next page, or `None` at the end of the listing.
    pub async fn next(&mut self) -> Option<Result<Page<T>, CniError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T> Stream for Pages<T> {
    type Item = Result<Page<T>, CniError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(page) = this.held.take() {
            return Poll::Ready(Some(Ok(page)));
        }
        if let Some(error) = this.pending_error.take() {
            return Poll::Ready(Some(Err(error)));
        }
        if this.finished {
            return Poll::Ready(None);
        }
        let cursor = this.cursor;
        let fetch = &mut this.fetch;
        let in_flight = this.in_flight.get_or_insert_with(|| fetch(cursor));
        let answer = match in_flight.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(answer) => answer,
        };
        this.in_flight = None;
        match answer {
            Err(error) => {
                // The cursor stays on the failed page: `cursor()` says where to start again.
                this.finished = true;
                Poll::Ready(Some(Err(error)))
            }
            Ok((items, next)) => {
                if let Some(cursor) = cursor {
                    this.seen.insert(cursor);
                }
                this.fetched += 1;
                this.empty_in_a_row = match (items.is_empty(), next) {
                    (true, Some(_)) => this.empty_in_a_row + 1,
                    _ => 0,
                };
                let stop = |this: &mut Self, why: String| {
                    this.finished = true;
                    this.pending_error = Some(CniError::Pagination { reason: why });
                };
                match next {
                    None => this.finished = true,
                    Some(next) if !this.seen.insert(next) => stop(
                        this,
                        format!("the server returned cursor {next} a second time; stopping instead of looping"),
                    ),
                    Some(_) if this.max_pages.is_some_and(|max| this.fetched >= max) => stop(
                        this,
                        format!(
                            "the listing goes on past {} pages; stopping there (a listing this long is lifted with `max_pages(None)`)",
                            this.fetched
                        ),
                    ),
                    Some(_) if this.empty_in_a_row >= MAX_EMPTY_PAGES_IN_A_ROW => stop(
                        this,
                        format!(
                            "the server answered {MAX_EMPTY_PAGES_IN_A_ROW} empty pages in a row, each with a next cursor; stopping instead of looping"
                        ),
                    ),
                    Some(next) => this.cursor = Some(next),
                }
                Poll::Ready(Some(Ok(Page {
                    items,
                    cursor,
                    next,
                })))
            }
        }
    }
}

/// Every item of a listing, fetched one page at a time as it is read: what a listing's
/// `stream()` returns.
///
/// Read it with the inherent [`next`](Paginator::next) or
/// [`try_collect`](Paginator::try_collect) (no other crate needed), or as a
/// [`Stream`](futures::Stream) with any stream combinator. A failed fetch is yielded as an
/// `Err` and ends the listing; [`cursor`](Paginator::cursor) names where to start again
/// (`list_...().cursor(c).stream()`), so nothing is fetched twice and nothing is skipped.
pub struct Paginator<T> {
    pages: Pages<T>,
    /// The page being handed out, and its cursor.
    current: std::vec::IntoIter<T>,
    current_cursor: Option<i32>,
}

impl<T> Unpin for Paginator<T> {}

impl<T> Paginator<T> {
    /// A paginator that starts at `start` (`None`: the first page) and fetches each page with
    /// `fetch(cursor)`, which returns the page's items and its `next`. What a generated
    /// listing's `stream()` calls; not usually called directly.
    pub fn new<F>(start: Option<i32>, fetch: F) -> Self
    where
        F: FnMut(Option<i32>) -> PageFuture<T> + Send + 'static,
    {
        Paginator {
            pages: Pages {
                fetch: Box::new(fetch),
                in_flight: None,
                cursor: start,
                held: None,
                finished: false,
                pending_error: None,
                seen: HashSet::new(),
                fetched: 0,
                max_pages: Some(DEFAULT_MAX_PAGES),
                empty_in_a_row: 0,
            },
            current: Vec::new().into_iter(),
            current_cursor: start,
        }
    }

    /// The most pages this listing fetches (default [`DEFAULT_MAX_PAGES`]); past it the
    /// listing ends with [`CniError::Pagination`]. `None` lifts the bound, for a server you
    /// trust with a listing that long.
    pub fn max_pages(mut self, max: Option<u64>) -> Self {
        self.pages.max_pages = max;
        self
    }

    /// The next item, or `None` at the end of the listing.
    pub async fn next(&mut self) -> Option<Result<T, CniError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Every remaining item, or the first error.
    pub async fn try_collect(mut self) -> Result<Vec<T>, CniError> {
        let mut all = Vec::new();
        while let Some(item) = self.next().await {
            all.push(item?);
        }
        Ok(all)
    }

    /// The rest of the listing page by page: first what is left of the page being handed out
    /// (if anything), then each page after it.
    pub fn pages(mut self) -> Pages<T> {
        let rest: Vec<T> = self.current.by_ref().collect();
        if !rest.is_empty() {
            // The page after the held one is what `pages.cursor` already points at.
            self.pages.held = Some(Page {
                items: rest,
                cursor: self.current_cursor,
                next: if self.pages.finished {
                    None
                } else {
                    self.pages.cursor
                },
            });
        }
        self.pages
    }

    /// Where to start a listing that hands out exactly what this one has not: the cursor of
    /// the page the next item comes from (after an error, the page that failed). `None` is
    /// the first page, or nothing when [`is_done`](Paginator::is_done). Starting a new
    /// listing from the middle of a page hands out that whole page again.
    pub fn cursor(&self) -> Option<i32> {
        if self.current.len() > 0 {
            self.current_cursor
        } else {
            self.pages.cursor()
        }
    }

    /// Whether every item has been handed out, or the listing ended with an error.
    pub fn is_done(&self) -> bool {
        self.current.len() == 0 && self.pages.is_done()
    }
}

impl<T> Stream for Paginator<T> {
    type Item = Result<T, CniError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(page))) => {
                    this.current = page.items.into_iter();
                    this.current_cursor = page.cursor;
                }
            }
        }
    }
}

impl<T> std::fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("cursor", &self.cursor())
            .field("buffered", &self.current.len())
            .field("done", &self.is_done())
            .finish()
    }
}

impl<T> std::fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("cursor", &self.cursor())
            .field("done", &self.is_done())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    type Script = Vec<Result<(Vec<u32>, Option<i32>), &'static str>>;
    /// The cursors a scripted paginator was asked for, in order.
    type Asked = Arc<Mutex<Vec<Option<i32>>>>;

    /// A paginator over scripted pages, and the cursors it was asked for.
    fn scripted(start: Option<i32>, script: Script) -> (Paginator<u32>, Asked) {
        let script = Arc::new(Mutex::new(script.into_iter()));
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        let paginator = Paginator::new(start, move |cursor| {
            log.lock().unwrap().push(cursor);
            let next = script.lock().unwrap().next();
            Box::pin(async move {
                match next {
                    Some(Ok(page)) => Ok(page),
                    Some(Err(message)) => Err(CniError::InvalidBody {
                        reason: message.into(),
                    }),
                    None => Err(CniError::Pagination {
                        reason: "script ran out".into(),
                    }),
                }
            }) as PageFuture<u32>
        });
        (paginator, asked)
    }

    fn drain(mut paginator: Paginator<u32>) -> (Vec<Result<u32, String>>, Paginator<u32>) {
        let mut got = Vec::new();
        while let Some(item) = futures::executor::block_on(paginator.next()) {
            got.push(item.map_err(|e| e.to_string()));
        }
        (got, paginator)
    }

    #[test]
    fn follows_next_and_stops_on_null_not_zero() {
        let (paginator, asked) = scripted(
            None,
            vec![
                Ok((vec![1, 2], Some(0))),
                Ok((vec![3], Some(7))),
                Ok((vec![4], None)),
            ],
        );
        let (got, paginator) = drain(paginator);
        assert_eq!(got, vec![Ok(1), Ok(2), Ok(3), Ok(4)]);
        assert_eq!(*asked.lock().unwrap(), vec![None, Some(0), Some(7)]);
        assert!(paginator.is_done());
    }

    #[test]
    fn a_repeated_cursor_ends_with_an_error_after_the_page() {
        let (paginator, _) = scripted(
            None,
            vec![
                Ok((vec![1], Some(5))),
                Ok((vec![2], Some(6))),
                Ok((vec![3], Some(5))),
            ],
        );
        let (got, _) = drain(paginator);
        assert_eq!(got[..3], [Ok(1), Ok(2), Ok(3)]);
        assert!(got[3]
            .as_ref()
            .unwrap_err()
            .contains("cursor 5 a second time"));
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn a_server_answering_the_cursor_it_was_sent_is_a_loop() {
        let (paginator, _) = scripted(Some(9), vec![Ok((vec![1], Some(9)))]);
        let (got, _) = drain(paginator);
        assert_eq!(got[0], Ok(1));
        assert!(got[1]
            .as_ref()
            .unwrap_err()
            .contains("cursor 9 a second time"));
    }

    #[test]
    fn after_an_error_the_cursor_names_the_failed_page_and_a_new_listing_resumes_there() {
        let (paginator, asked) = scripted(
            None,
            vec![Ok((vec![1, 2], Some(3))), Err("the network went away")],
        );
        let (got, paginator) = drain(paginator);
        assert_eq!(got[..2], [Ok(1), Ok(2)]);
        assert!(got[2].as_ref().unwrap_err().contains("network went away"));
        assert_eq!(got.len(), 3, "an error ends the listing");
        assert!(paginator.is_done());
        assert_eq!(paginator.cursor(), Some(3));
        assert_eq!(*asked.lock().unwrap(), vec![None, Some(3)]);

        let (resumed, asked) = scripted(paginator.cursor(), vec![Ok((vec![3, 4], None))]);
        let (got, _) = drain(resumed);
        assert_eq!(got, vec![Ok(3), Ok(4)]);
        assert_eq!(*asked.lock().unwrap(), vec![Some(3)]);
    }

    #[test]
    fn the_cursor_points_at_the_page_being_handed_out() {
        let (mut paginator, _) =
            scripted(None, vec![Ok((vec![1, 2], Some(4))), Ok((vec![3], None))]);
        assert_eq!(paginator.cursor(), None);
        assert!(!paginator.is_done());
        let first = futures::executor::block_on(paginator.next());
        assert_eq!(first.unwrap().unwrap(), 1);
        assert_eq!(
            paginator.cursor(),
            None,
            "item 2 of the first page is still to come"
        );
        let _ = futures::executor::block_on(paginator.next());
        assert_eq!(paginator.cursor(), Some(4));
    }

    #[test]
    fn pages_start_with_what_is_left_of_the_current_page() {
        let (mut paginator, _) = scripted(
            None,
            vec![Ok((vec![1, 2, 3], Some(8))), Ok((vec![4], None))],
        );
        let _ = futures::executor::block_on(paginator.next());
        let mut pages = paginator.pages();
        let first = futures::executor::block_on(pages.next()).unwrap().unwrap();
        assert_eq!(
            first,
            Page {
                items: vec![2, 3],
                cursor: None,
                next: Some(8)
            }
        );
        let second = futures::executor::block_on(pages.next()).unwrap().unwrap();
        assert_eq!(
            second,
            Page {
                items: vec![4],
                cursor: Some(8),
                next: None
            }
        );
        assert!(futures::executor::block_on(pages.next()).is_none());
        assert!(pages.is_done());
    }

    #[test]
    fn try_collect_stops_at_the_first_error() {
        let (paginator, _) = scripted(None, vec![Ok((vec![1], Some(2))), Err("boom")]);
        let error = futures::executor::block_on(paginator.try_collect()).unwrap_err();
        assert!(error.to_string().contains("boom"), "{error}");
        let (paginator, _) = scripted(None, vec![Ok((vec![1], Some(2))), Ok((vec![2], None))]);
        assert_eq!(
            futures::executor::block_on(paginator.try_collect()).unwrap(),
            vec![1, 2]
        );
    }

    /// A paginator whose server hands out a new cursor forever, each page with `items`.
    fn endless(items: Vec<u32>) -> (Paginator<u32>, Asked) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        let paginator = Paginator::new(None, move |cursor: Option<i32>| {
            log.lock().unwrap().push(cursor);
            let page = (items.clone(), Some(cursor.unwrap_or(0) + 1));
            Box::pin(async move { Ok(page) }) as PageFuture<u32>
        });
        (paginator, asked)
    }

    /// The probe's finding: `try_collect()` against a server that keeps handing out new
    /// cursors reached 1 GB in 20 s (and `--jsonl` printed forever). A listing now stops at
    /// its page bound, or after empty pages in a row, with an error saying why.
    #[test]
    fn a_listing_that_never_ends_is_stopped_at_its_bound() {
        let (paginator, asked) = endless(vec![7; 3]);
        let error = futures::executor::block_on(paginator.try_collect()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&format!("past {DEFAULT_MAX_PAGES} pages")),
            "{error}"
        );
        assert_eq!(asked.lock().unwrap().len() as u64, DEFAULT_MAX_PAGES);
        let (paginator, asked) = endless(vec![7]);
        let error = futures::executor::block_on(paginator.max_pages(Some(5)).try_collect());
        assert!(error.is_err());
        assert_eq!(asked.lock().unwrap().len(), 5);
        // Lifted, it goes on past the default (stopped here by the test after 1,500 items).
        let (paginator, _) = endless(vec![7]);
        let mut paginator = paginator.max_pages(None);
        for _ in 0..1_500 {
            assert!(futures::executor::block_on(paginator.next())
                .unwrap()
                .is_ok());
        }
        // Empty pages that only point further end the listing much sooner.
        let (paginator, asked) = endless(Vec::new());
        let error = futures::executor::block_on(paginator.try_collect()).unwrap_err();
        assert!(
            error.to_string().contains("empty pages in a row"),
            "{error}"
        );
        assert_eq!(asked.lock().unwrap().len() as u32, MAX_EMPTY_PAGES_IN_A_ROW);
        // A real listing whose last page is empty is fine.
        let (paginator, _) = scripted(None, vec![Ok((vec![1], Some(2))), Ok((vec![], None))]);
        assert_eq!(
            futures::executor::block_on(paginator.try_collect()).unwrap(),
            vec![1]
        );
    }

    #[test]
    fn a_paginator_is_unpin_send_and_borrows_nothing() {
        fn owned<S: Stream + Unpin + Send + 'static>(_: &S) {}
        let (paginator, _) = scripted(None, vec![]);
        owned(&paginator);
        owned(&paginator.pages());
    }
}
