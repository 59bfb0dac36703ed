//! The binary's allocator: the system's, counting per thread. Tests run in parallel threads,
//! so each thread's counts are its own: how many allocations it made (validating valid input
//! makes none) and its live and peak bytes (a streamed listing holds one page at a time). A
//! test that measures runs on one thread (a `current_thread` runtime).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct PerThread;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn size(layout: Layout) -> isize {
    isize::try_from(layout.size()).unwrap_or(isize::MAX)
}

unsafe impl GlobalAlloc for PerThread {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: a thread being torn down has no locals left, and must still allocate.
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        let _ = LIVE.try_with(|live| {
            live.set(live.get() + size(layout));
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
        });
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = LIVE.try_with(|live| live.set(live.get() - size(layout)));
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: PerThread = PerThread;

/// Allocations this thread has made so far.
pub fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// Bytes this thread allocated and has not freed.
pub fn live_bytes() -> isize {
    LIVE.with(Cell::get)
}

/// The highest `live_bytes` since the last [`reset_peak`].
pub fn peak_bytes() -> isize {
    PEAK.with(Cell::get)
}

/// Starts measuring the peak from the current live bytes.
pub fn reset_peak() {
    PEAK.with(|peak| peak.set(live_bytes()));
}
