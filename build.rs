//! Link the unwinder (libgcc_eh) statically on Linux/glibc.
//!
//! Rust's std links `libgcc_s.so.1` for unwinding (panic = "unwind", which stays: pyo3
//! turns panics into `PanicException`). A Python process has not loaded libgcc_s, so
//! `import logging` paid for finding, mapping and relocating it (~0.1 ms, a third of the
//! extension's dlopen). Linking libgcc_eh.a whole here, before std's `-lgcc_s`, defines the
//! `_Unwind_*` symbols inside `_core` (not exported: only `PyInit__core` is), and the
//! linker's `--as-needed` drops libgcc_s. Panics never unwind across the FFI boundary, so
//! no other library's unwinder is involved.
//!
//! It also turns on pyo3's version cfgs (`Py_3_11`, …) for the interpreter being built for.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    pyo3_build_config::use_pyo3_cfgs();
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.ends_with("-linux-gnu") {
        println!("cargo:rustc-link-lib=static:+whole-archive,-bundle=gcc_eh");
    }
}
