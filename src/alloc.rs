//! The global allocator: mimalloc, called through its plain `mi_malloc` for
//! every ordinary layout.
//!
//! The simulator allocates and frees millions of small objects (pod names,
//! UIDs, statuses, condition strings), and mimalloc does that markedly faster
//! than the system allocator. The `mimalloc` crate's allocator asks for every
//! block through `mi_malloc_aligned`, whose extra checks cost about a third of
//! each allocation here; like std's own `System` allocator, this one takes the
//! plain path whenever the allocator's natural alignment already suffices.

use libmimalloc_sys as mi;
use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

/// mimalloc hands out whole machine words, so every block, whatever its size,
/// is at least word-aligned. (It guarantees 16 bytes for blocks of more than a
/// word on x86_64 and aarch64; relying on one word keeps the rule true on every
/// target, and hardly any layout asks for more.)
const NATURAL_ALIGN: usize = std::mem::size_of::<usize>();

/// mimalloc as the global allocator.
pub struct MiMalloc;

/// Turns transparent huge pages off for this process: each huge page first
/// touched is 2 MiB zeroed at once, a run's memory is rounded up to them, and
/// on a virtual machine whose host took back freed memory that zeroing is the
/// most costly part of a short run (ARCHITECTURE.md, Performance).
/// libmimalloc-sys's `no_thp` feature keeps mimalloc from asking for huge
/// pages; this also keeps a kernel that hands them out unasked (THP
/// `always`) from doing so. Linux only; elsewhere, and on a kernel without
/// the flag, nothing changes.
pub fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` takes integers only and
    // sets a flag of this process; an error (an old kernel) changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Whether a plain `mi_malloc` block is aligned enough for `align`.
#[inline]
fn plain(align: usize) -> bool {
    align <= NATURAL_ALIGN
}

// SAFETY: every method forwards to mimalloc, which returns blocks of at least
// the requested size (or null), aligned to `layout.align()`: through the
// `_aligned` calls, or because `plain` holds. `dealloc` and `realloc` only see
// pointers this allocator returned, and mimalloc frees both kinds with `mi_free`.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain FFI calls; mimalloc accepts any size and power-of-two alignment.
        unsafe {
            if plain(layout.align()) {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe {
            if plain(layout.align()) {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (GlobalAlloc's contract).
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; the new block
        // keeps `layout.align()` by the same rule as `alloc`.
        unsafe {
            if plain(layout.align()) {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flag is set on the process, as the kernel reports it (Linux 5.0
    /// and later list `THP_enabled` in `/proc/self/status`).
    #[cfg(target_os = "linux")]
    #[test]
    fn transparent_huge_pages_end_up_off() {
        without_transparent_huge_pages();
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("THP_enabled:"));
        assert_eq!(
            line.map(|l| l.split_whitespace().collect::<Vec<_>>()),
            Some(vec!["THP_enabled:", "0"])
        );
    }

    /// Blocks of every size and alignment (a size need not be a multiple of
    /// its alignment) come back aligned, zeroed when asked, and keep their
    /// bytes through growing and then shrinking. Several blocks of each layout
    /// are live at once, so that they sit at different offsets of a page.
    #[test]
    fn blocks_are_aligned_and_keep_their_bytes() {
        let a = MiMalloc;
        let mut live = Vec::new();
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1usize, 3, 7, 8, 9, 16, 24, 40, 100, 1000, 70_000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                let at = |p: *mut u8, what: &str| assert_eq!(p as usize % align, 0, "{what} {size}/{align}");
                // SAFETY: non-zero sizes; each block is used within its size,
                // and freed or reallocated once, with the layout it has.
                unsafe {
                    let z = a.alloc_zeroed(layout);
                    at(z, "alloc_zeroed");
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    a.dealloc(z, layout);

                    let p = a.alloc(layout);
                    at(p, "alloc");
                    for i in 0..size {
                        *p.add(i) = i as u8;
                    }
                    let grown = a.realloc(p, layout, size * 3);
                    at(grown, "grow");
                    assert!((0..size).all(|i| *grown.add(i) == i as u8));
                    let small = size.div_ceil(2);
                    let shrunk = a.realloc(grown, Layout::from_size_align(size * 3, align).unwrap(), small);
                    at(shrunk, "shrink");
                    assert!((0..small).all(|i| *shrunk.add(i) == i as u8));
                    a.dealloc(shrunk, Layout::from_size_align(small, align).unwrap());
                    for _ in 0..5 {
                        let p = a.alloc(layout);
                        at(p, "alloc");
                        live.push((p, layout));
                    }
                }
            }
        }
        for (p, layout) in live {
            // SAFETY: allocated above with this layout, freed once.
            unsafe { a.dealloc(p, layout) };
        }
    }
}
