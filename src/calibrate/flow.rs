//! YAML flow lists of the scenario `calibrate` writes, wrapped to a readable
//! width: the fitted distributions' values and the failure times.

/// `open item, item, ... close`, wrapped onto lines of about 100 characters,
/// continued lines indented by `indent + 2`; `column` is where the first item
/// starts on its line.
pub fn wrap_flow(open: &str, items: &[String], close: &str, indent: usize, column: usize) -> String {
    let mut out = String::from(open);
    let mut line = column;
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
            if line + it.len() + 2 > 100 {
                out.push('\n');
                out.push_str(&" ".repeat(indent + 2));
                line = indent + 2;
            } else {
                out.push(' ');
                line += 1;
            }
        }
        out.push_str(it);
        line += it.len() + 1;
    }
    out.push_str(close);
    out
}
