//! Build steps that need the interpreter being built for.
//!
//! - pyo3's version cfgs (`Py_3_11`, …).
//! - The class regexes compiled ahead of time (see `rust/class_patterns.rs`): `import logging`
//!   compiles three patterns into class attributes, ~1 ms of pure-Python `re` compiler work
//!   in every process, most of the import. Here the interpreter runs `re.compile` on each
//!   once and the arguments it hands `_sre.compile` (the engine's code) are written to
//!   `$OUT_DIR/precompiled_patterns.rs`; at import `style.rs` passes them to `_sre.compile`
//!   when it runs under that very interpreter (same `sys.version` and `_sre.MAGIC`), which
//!   makes the same `Pattern`. Anywhere else (another interpreter, a failed run here) the
//!   patterns are compiled at import, as before.
//! - The `LogRecord` class statement (`rust/record_class.py`) compiled and marshalled, for the
//!   same reason: compiling it at import costs ~0.1 ms.
//! - The unwinder (libgcc_eh) linked statically on Linux/glibc. Rust's std links
//!   `libgcc_s.so.1` for unwinding (panic = "unwind", which stays: pyo3 turns panics into
//!   `PanicException`). A Python process has not loaded libgcc_s, so `import logging` paid for
//!   finding, mapping and relocating it (~0.1 ms, a third of the extension's dlopen). Linking
//!   libgcc_eh.a whole here, before std's `-lgcc_s`, defines the `_Unwind_*` symbols inside
//!   `_core` (not exported: only `PyInit__core` is), and the linker's `--as-needed` drops
//!   libgcc_s. Panics never unwind across the FFI boundary, so no other library's unwinder is
//!   involved.

#[path = "rust/class_patterns.rs"]
mod class_patterns;

use std::path::Path;
use std::process::Command;

/// Run by the target interpreter with the patterns as `pattern\tI-flag` lines on stdin:
/// prints the Rust source of `precompiled_patterns.rs`.
const PRECOMPILE: &str = r#"
import re, sys, _sre

def rust_str(s):
    out = []
    for ch in s:
        if ch in '\\"':
            out.append('\\' + ch)
        elif ' ' <= ch <= '~':
            out.append(ch)
        else:
            out.append('\\u{%x}' % ord(ch))
    return '"' + ''.join(out) + '"'

captured = []
real_compile = _sre.compile
def capture(*args):
    captured.append(args)
    return real_compile(*args)
_sre.compile = capture
entries = []
try:
    for line in sys.stdin.read().splitlines():
        pattern, icase = line.split('\t')
        captured.clear()
        re.purge()
        re.compile(pattern, re.I if icase == '1' else 0)
        (compiled_pattern, flags, code, groups, groupindex, indexgroup), = captured
        # Only what this file can state: no named groups.
        if compiled_pattern != pattern or groupindex or any(g is not None for g in indexgroup):
            continue
        entries.append('    Precompiled { pattern: %s, flags: %d, code: &%s, groups: %d, indexgroup_len: %d },'
                       % (rust_str(pattern), flags, [int(c) for c in code], groups, len(indexgroup)))
finally:
    _sre.compile = real_compile
print('const BUILT_FOR: &str = %s;' % rust_str(sys.version))
print('const SRE_MAGIC: i64 = %d;' % _sre.MAGIC)
print('const SRE_CODESIZE: i64 = %d;' % _sre.CODESIZE)
print('const PRECOMPILED: &[Precompiled] = &[')
print('\n'.join(entries))
print('];')
"#;

/// What `precompiled_patterns.rs` holds when the interpreter could not be run: nothing.
const NONE_PRECOMPILED: &str = "const BUILT_FOR: &str = \"\";\nconst SRE_MAGIC: i64 = 0;\n\
const SRE_CODESIZE: i64 = 0;\nconst PRECOMPILED: &[Precompiled] = &[];\n";

/// What the interpreter being built for prints running `script` (`python -I -c`) with `input`
/// on stdin; `None` when it cannot be run or fails.
fn run_target_python(script: &str, input: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let python = pyo3_build_config::get().executable()?.to_owned();
    let mut child = Command::new(python)
        .args(["-I", "-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(input).ok()?;
    let output = child.wait_with_output().ok()?;
    output.status.success().then_some(output.stdout)
}

fn precompile_patterns(out: &Path) {
    let input: String = class_patterns::ALL.iter().map(|(p, icase)| format!("{p}\t{}\n", u8::from(*icase))).collect();
    let source = run_target_python(PRECOMPILE, input.as_bytes()).and_then(|stdout| String::from_utf8(stdout).ok());
    let source = source.unwrap_or_else(|| {
        println!("cargo:warning=the class regexes could not be precompiled: they are compiled at import");
        NONE_PRECOMPILED.to_string()
    });
    std::fs::write(out.join("precompiled_patterns.rs"), source).expect("write precompiled_patterns.rs");
}

/// Run by the target interpreter with `rust/record_class.py` on stdin: prints its
/// `sys.version`, a line feed, then the marshalled code (`record.rs` loads it when it runs
/// under that very interpreter, else compiles the source at import).
const COMPILE_RECORD_CLASS: &str = r#"
import marshal, sys
code = compile(sys.stdin.buffer.read(), "<logging.LogRecord>", "exec")
sys.stdout.buffer.write(sys.version.encode() + b"\n" + marshal.dumps(code))
"#;

fn compile_record_class(out: &Path) {
    let compiled = std::fs::read("rust/record_class.py").ok().and_then(|source| {
        let stdout = run_target_python(COMPILE_RECORD_CLASS, &source)?;
        let newline = stdout.iter().position(|&b| b == b'\n')?;
        let version = String::from_utf8(stdout[..newline].to_vec()).ok()?;
        Some((version, stdout[newline + 1..].to_vec()))
    });
    let (version, code) = compiled.unwrap_or_else(|| {
        println!("cargo:warning=the LogRecord class could not be precompiled: it is compiled at import");
        (String::new(), Vec::new())
    });
    std::fs::write(out.join("record_class.marshal"), code).expect("write record_class.marshal");
    let source = format!(
        "const RECORD_CLASS_BUILT_FOR: &str = {version:?};\n\
         const RECORD_CLASS_CODE: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/record_class.marshal\"));\n"
    );
    std::fs::write(out.join("record_class.rs"), source).expect("write record_class.rs");
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=rust/class_patterns.rs");
    println!("cargo:rerun-if-changed=rust/record_class.py");
    pyo3_build_config::use_pyo3_cfgs();
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    precompile_patterns(Path::new(&out));
    compile_record_class(Path::new(&out));
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.ends_with("-linux-gnu") {
        println!("cargo:rustc-link-lib=static:+whole-archive,-bundle=gcc_eh");
    }
}
