// The regexes the stdlib compiles into class attributes at `import logging`, as
// (pattern, re.IGNORECASE). Shared by `build.rs` (which compiles them ahead of time for the
// interpreter being built for) and `style.rs`.

/// `PercentStyle.validation_pattern`.
pub const VALIDATION_PATTERN: (&str, bool) = (r"%\(\w+\)[#0+ -]*(\*|\d+)?(\.(\*|\d+))?[diouxefgcrsa%]", true);
/// `StrFormatStyle.fmt_spec`.
pub const FMT_SPEC: (&str, bool) = (r"^(.?[<>=^])?[+ -]?#?0?(\d+|{\w+})?[,_]?(\.(\d+|{\w+}))?[bcdefgnosx%]?$", true);
/// `StrFormatStyle.field_spec`.
pub const FIELD_SPEC: (&str, bool) = (r"^(\d+|\w+)(\.\w+|\[[^]]+\])*$", false);

pub const ALL: [(&str, bool); 3] = [VALIDATION_PATTERN, FMT_SPEC, FIELD_SPEC];
