//! One allocator for the Rust code and tree-sitter's C code: mimalloc. The binaries set it as
//! Rust's global allocator; [`tree_sitter_on_mimalloc`] hands it to tree-sitter too, whose
//! nodes otherwise went through glibc's `malloc` (6% of a scan, docs/performance.md).

use std::ffi::c_void;

use libmimalloc_sys::{mi_free, mi_malloc, mi_realloc, mi_zalloc};

/// `calloc` for tree-sitter: mimalloc's zeroed allocation, refusing a size that overflows.
unsafe extern "C" fn zeroed(count: usize, size: usize) -> *mut c_void {
    match count.checked_mul(size) {
        // SAFETY: mi_zalloc takes any size and returns null or a zeroed block of that size.
        Some(total) => unsafe { mi_zalloc(total) },
        None => std::ptr::null_mut(),
    }
}

/// Routes tree-sitter's allocations to mimalloc. Call it first in `main`, before any parser or
/// tree exists.
pub fn tree_sitter_on_mimalloc() {
    let allocator = tree_sitter::Allocator {
        malloc: mi_malloc,
        calloc: zeroed,
        realloc: mi_realloc,
        free: mi_free,
    };
    // SAFETY: the four functions are one allocator family with malloc's alignment, and this
    // runs at start-up, on the main thread, before any tree-sitter object exists.
    unsafe { tree_sitter::set_allocator(Some(allocator)) }
}
