//! A hint to the processor to start loading a value into its cache before
//! it is read: the model prefetches the pod or Job the next event concerns
//! while it handles the current one (ARCHITECTURE.md, Performance).

/// Starts loading the first cache lines of `value` (up to four). It reads
/// nothing and changes nothing: on targets without the instruction, it does
/// nothing at all.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start = (value as *const T).cast::<i8>();
        let lines = std::mem::size_of::<T>().div_ceil(64).min(4);
        for line in 0..lines {
            // SAFETY: a prefetch never faults and has no visible effect, and
            // `64 * line` is below the value's size: the address is inside it.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(64 * line)) }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
